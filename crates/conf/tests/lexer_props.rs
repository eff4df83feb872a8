//! The lexer and parser never panic, and spans stay inside the input.

use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn random_text_never_panics(s in "[ -~\\n\\t{}\"'#!@$~]{0,400}") {
        let l = keepvip_conf::parse_str(&s);
        let lines = s.lines().count() as u32;
        for d in &l.diagnostics {
            if let Some(span) = d.span {
                prop_assert!(span.line >= 1 && span.line <= lines.max(1), "{d:?}");
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
    ], 0..80)) {
        let text = words.join(" ");
        let _ = keepvip_conf::parse_str(&text);
    }
}
