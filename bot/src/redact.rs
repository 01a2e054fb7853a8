//! A log writer that blanks secrets. Our own code never logs a token, but a dependency at debug
//! or trace level may print a request URL (the Bot API's carries the token) or a header; every
//! line goes through here, so no level and no crate can put a secret in the log.

use std::io::Write;
use std::sync::Arc;

use tracing_subscriber::fmt::MakeWriter;

/// What a secret is replaced by.
const REDACTED: &str = "[redacted]";
/// Shorter values are not treated as secrets (they would blank ordinary words).
const MIN_SECRET_CHARS: usize = 8;

/// Makes a [`RedactingWriter`] per log event, onto stderr.
#[derive(Clone)]
pub struct Redacting {
    secrets: Arc<Vec<String>>,
}

impl Redacting {
    /// A writer that blanks these values (and, for `id:secret` tokens, the part after the `:`).
    pub fn new(values: impl IntoIterator<Item = String>) -> Redacting {
        let mut secrets: Vec<String> = Vec::new();
        for v in values {
            let v = v.trim().to_string();
            if let Some((_, tail)) = v.split_once(':') {
                if tail.len() >= MIN_SECRET_CHARS {
                    secrets.push(tail.to_string());
                }
            }
            if v.len() >= MIN_SECRET_CHARS {
                secrets.push(v);
            }
        }
        // Longest first, so a whole token is blanked before its tail is looked for.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Redacting {
            secrets: Arc::new(secrets),
        }
    }

    /// `line` with every secret blanked.
    pub fn redact(&self, line: &str) -> String {
        let mut out = line.to_string();
        for s in self.secrets.iter() {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), REDACTED);
            }
        }
        out
    }
}

/// One log event's bytes, redacted and written to stderr when the event is done.
pub struct RedactingWriter {
    redacting: Redacting,
    buf: Vec<u8>,
}

impl Write for RedactingWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for RedactingWriter {
    fn drop(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        let line = self.redacting.redact(&String::from_utf8_lossy(&self.buf));
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }
}

impl<'a> MakeWriter<'a> for Redacting {
    type Writer = RedactingWriter;

    fn make_writer(&'a self) -> RedactingWriter {
        RedactingWriter {
            redacting: self.clone(),
            buf: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_their_secret_halves_are_blanked() {
        let r = Redacting::new(["4242:binary-test-token-xyz".to_string(), "short".into()]);
        assert_eq!(
            r.redact("GET https://api.telegram.org/bot4242:binary-test-token-xyz/getMe"),
            "GET https://api.telegram.org/bot[redacted]/getMe"
        );
        assert_eq!(r.redact("half binary-test-token-xyz"), "half [redacted]");
        assert_eq!(r.redact("a short word"), "a short word");
    }
}
