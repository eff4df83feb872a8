//! Logging in keepalived's text format, through `tracing`.
//!
//! Messages are the bare keepalived 2.x lines (`(VI_1) Entering MASTER
//! STATE`). Sinks: syslog (default, ident `keepvip`), the console with `-l`
//! (stderr, prefixed `Tue Nov 24 06:37:38 2026: ` as keepalived does) and a
//! file with `-g`. Lines keepalived only prints with `-D` are logged at
//! DEBUG level and enabled by `-D`.

use std::ffi::CString;
use std::fmt::Write as _;
use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;

/// Where and how to log.
#[derive(Debug, Clone, Default)]
pub struct LogConfig {
    /// `-l`: console (stderr)
    pub console: bool,
    /// `-D`: detail lines
    pub detail: bool,
    /// syslog (off with `-G`)
    pub syslog: bool,
    /// `-S N`: facility local0..local7
    pub facility: Option<u8>,
    /// `-g FILE`
    pub file: Option<PathBuf>,
    /// syslog identifier (`--syslog-ident`)
    pub ident: String,
}

struct Sinks {
    console: bool,
    syslog: bool,
    file: Option<Mutex<File>>,
    max_level: Level,
}

/// Install the global subscriber. Errors only if the log file can't be opened.
pub fn init(cfg: &LogConfig) -> std::io::Result<()> {
    let file = match &cfg.file {
        Some(p) => Some(Mutex::new(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)?,
        )),
        None => None,
    };
    if cfg.syslog {
        open_syslog(cfg.facility, &cfg.ident);
    }
    let sinks = Sinks {
        console: cfg.console,
        syslog: cfg.syslog,
        file,
        max_level: if cfg.detail {
            Level::DEBUG
        } else {
            Level::INFO
        },
    };
    // A second init (tests) keeps the first subscriber.
    let _ = tracing_subscriber::registry().with(sinks).try_init();
    Ok(())
}

fn open_syslog(facility: Option<u8>, ident: &str) {
    let fac = match facility {
        Some(n @ 0..=7) => (16 + i32::from(n)) << 3, // LOG_LOCAL0 = 16<<3
        _ => libc::LOG_DAEMON,
    };
    // openlog keeps the pointer: the ident must live for the whole process.
    let ident: &'static CString = Box::leak(Box::new(
        CString::new(ident).unwrap_or_else(|_| CString::new("keepvip").unwrap_or_default()),
    ));
    // SAFETY: ident is a valid NUL-terminated string that is never freed.
    unsafe { libc::openlog(ident.as_ptr(), libc::LOG_PID | libc::LOG_NDELAY, fac) };
}

struct MessageVisitor<'a>(&'a mut String);

impl Visit for MessageVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0.push_str(value);
        }
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        }
    }
}

impl<S: Subscriber> Layer<S> for Sinks {
    fn enabled(&self, metadata: &tracing::Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        *metadata.level() <= self.max_level && metadata.target().starts_with("keepvip")
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut msg = String::with_capacity(96);
        event.record(&mut MessageVisitor(&mut msg));
        if self.syslog {
            syslog_line(&msg, *event.metadata().level());
        }
        if self.console || self.file.is_some() {
            let line = format!("{}: {}\n", console_timestamp(), msg);
            if self.console {
                let _ = std::io::stderr().lock().write_all(line.as_bytes());
            }
            if let Some(f) = &self.file {
                if let Ok(mut f) = f.lock() {
                    let _ = f.write_all(line.as_bytes());
                }
            }
        }
    }
}

fn syslog_line(msg: &str, level: Level) {
    let prio = match level {
        Level::ERROR => libc::LOG_ERR,
        Level::WARN => libc::LOG_WARNING,
        // keepalived logs almost everything at LOG_INFO.
        _ => libc::LOG_INFO,
    };
    if let Ok(c) = CString::new(msg.replace('\0', " ")) {
        // SAFETY: "%s" with one valid C string argument.
        unsafe { libc::syslog(prio, c"%s".as_ptr(), c.as_ptr()) };
    }
}

/// keepalived's console prefix: `Tue Nov 24 06:37:38 2026`, local time.
pub fn console_timestamp() -> String {
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let now: libc::time_t = unsafe { libc::time(std::ptr::null_mut()) };
    let mut buf = [0u8; 64];
    // SAFETY: valid pointers to locals; strftime writes at most buf.len().
    let n = unsafe {
        libc::localtime_r(&now, &mut tm);
        libc::strftime(
            buf.as_mut_ptr().cast(),
            buf.len(),
            c"%a %b %e %H:%M:%S %Y".as_ptr(),
            &tm,
        )
    };
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn timestamp_shape() {
        let t = super::console_timestamp();
        // "Tue Nov 24 06:37:38 2026"
        assert_eq!(t.len(), 24, "{t}");
        assert_eq!(&t[19..20], " ");
    }
}
