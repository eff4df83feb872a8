//! Property tests: the preprocessor, lexer and parser never panic, and
//! every token's span lies inside the text it came from.

use keepvip_conf::lexer::lex;
use keepvip_conf::preprocess::Preprocessor;
use keepvip_conf::{Diagnostic, Sources};
use proptest::prelude::*;

/// Tokens and diagnostics of `text` with config id `id`.
fn tokens(text: &str, id: &str) -> (Sources, Vec<keepvip_conf::lexer::Token>, Vec<Diagnostic>) {
    let mut sources = Sources::default();
    let mut diags = Vec::new();
    let lines = {
        let mut pp = Preprocessor::new(&mut sources, &mut diags, id).without_includes();
        pp.text("p.conf".into(), text.to_string());
        std::mem::take(&mut pp.lines)
    };
    let toks = lex(&lines, &mut diags);
    (sources, toks, diags)
}

fn in_range(sources: &Sources, s: keepvip_conf::Span) -> Result<(), String> {
    let Some(line) = sources.line(s.file, s.line) else {
        return Err(format!("{s:?}: no such line"));
    };
    let n = line.chars().count() as u32;
    if s.col == 0 || s.col > n.max(1) || s.col + s.len.max(1) - 1 > n.max(1) {
        return Err(format!("{s:?} outside line `{line}` ({n} chars)"));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 800, ..ProptestConfig::default() })]

    #[test]
    fn random_text_never_panics(s in "[ -~\\n\\t{}\"'#!@$~\\\\]{0,400}") {
        let l = keepvip_conf::parse_str(&s);
        let _ = keepvip_conf::check::render(&l.diagnostics, &l.sources);
        for d in &l.diagnostics {
            if let Some(span) = d.span {
                prop_assert!(in_range(&l.sources, span).is_ok() || span.len == 0, "{d:?}");
            }
        }
    }

    #[test]
    fn token_spans_are_inside_their_lines(s in "[ -~\\n\\t\\r{}\"'#!@$~\\\\äé€]{0,300}") {
        let (sources, toks, _) = tokens(&s, "lb1");
        for t in &toks {
            if let Err(e) = in_range(&sources, t.span) {
                prop_assert!(false, "{e} in {s:?}");
            }
        }
    }

    #[test]
    fn spans_stay_in_range_through_expansions(
        name in "[A-Z][A-Z0-9_]{0,5}",
        value in "[a-z0-9. {}\"]{0,12}",
        n in 1i64..5,
        body in "[a-z0-9 ${}]{0,30}",
    ) {
        let text = format!("${name}={value}\n@lb1 x ${name} ${{{name}}}\n~SEQ(i, {n}) y $i {body}\n$M=a \\\n b \\\n c\nm $M\n");
        let (sources, toks, _) = tokens(&text, "lb1");
        for t in &toks {
            if let Err(e) = in_range(&sources, t.span) {
                prop_assert!(false, "{e} in {text:?}");
            }
        }
    }

    #[test]
    fn keyword_soup_never_panics(words in proptest::collection::vec(prop_oneof![
        Just("vrrp_instance"), Just("{"), Just("}"), Just("\n"), Just("interface"), Just("eth0"),
        Just("virtual_router_id"), Just("51"), Just("virtual_ipaddress"), Just("192.0.2.1/24"),
        Just("track_script"), Just("weight"), Just("-20"), Just("vrrp_script"), Just("script"),
        Just("\"x\""), Just("~SEQ(a,1,3)"), Just("$A=1"), Just("${A}"), Just("@x"), Just("@^x"),
        Just("authentication"), Just("auth_type"), Just("PASS"), Just("advert_int"), Just("0.5"),
        Just("version"), Just("3"), Just("vrrp_sync_group"), Just("group"), Just("unicast_peer"),
        Just("2001:db8::1"), Just("fe80::1"), Just("priority"), Just("255"), Just("state"),
        Just("MASTER"), Just("nopreempt"), Just("preempt_delay"), Just("virtual_routes"),
        Just("blackhole"), Just("via"), Just("dev"), Just("global_defs"), Just("vrrp_strict"),
        Just("track_interface"), Just("track_file"), Just("track_process"), Just("reverse"),
        Just("notify_master"), Just("~LST(v,a,b)"), Just("$M=a \\"), Just("include"),
        Just("virtual_server"), Just("static_routes"), Just("1e9"), Just("-1"), Just("nan"),
    ], 0..120)) {
        let text = words.join(" ");
        let l = keepvip_conf::parse_str(&text);
        let _ = serde_json::to_string(&l.config);
        let _ = keepvip_conf::check::render(&l.diagnostics, &l.sources);
    }
}
