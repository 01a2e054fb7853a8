//! The console adapter: a chat in the terminal (or over any byte stream, which is how it is tested).
//!
//! Each line is a message: plain text is a mood; `/mood TEXT`, `/more`, `/help` and `/quit` are
//! commands. Lines are read as bytes with a cap, so invalid UTF-8 or a huge paste gets a short
//! reply instead of an error or unbounded memory.

use std::sync::Arc;

use moodtune_core::{Emotion, Engine, RecommendError};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};

use crate::messages::Lang;
use crate::render;

/// Bytes kept from one input line; the rest of a longer line is read and dropped.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// Settings of a console session.
#[derive(Debug, Clone)]
pub struct ConsoleOptions {
    /// Reply language.
    pub lang: Lang,
    /// Songs per reply.
    pub k: usize,
    /// Print a prompt before each line (only when a person is typing).
    pub prompt: bool,
}

impl Default for ConsoleOptions {
    fn default() -> Self {
        ConsoleOptions {
            lang: Lang::En,
            k: moodtune_core::recommend::DEFAULT_K,
            prompt: false,
        }
    }
}

/// One line of input, as read.
#[derive(Debug, PartialEq)]
enum Line {
    /// A complete (possibly truncated) line of valid UTF-8.
    Text(String),
    /// The bytes were not UTF-8.
    NotText,
    /// Too long: more than [`MAX_LINE_BYTES`] bytes.
    TooLong,
}

/// Reads one line of at most `cap` bytes, discarding the rest of a longer line. `None` at EOF.
async fn read_line_bounded<R: AsyncBufRead + Unpin>(
    r: &mut R,
    cap: usize,
) -> std::io::Result<Option<Line>> {
    let mut buf = Vec::new();
    let mut overflow = false;
    let mut saw_any = false;
    loop {
        let chunk = r.fill_buf().await?;
        if chunk.is_empty() {
            break;
        }
        saw_any = true;
        let (take, done) = match chunk.iter().position(|b| *b == b'\n') {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        let room = cap.saturating_sub(buf.len());
        if take > room {
            overflow = true;
        }
        buf.extend_from_slice(&chunk[..take.min(room)]);
        r.consume(take);
        if done {
            break;
        }
    }
    if !saw_any {
        return Ok(None);
    }
    if overflow {
        return Ok(Some(Line::TooLong));
    }
    while matches!(buf.last(), Some(b'\n' | b'\r')) {
        buf.pop();
    }
    Ok(Some(match String::from_utf8(buf) {
        Ok(s) => Line::Text(s),
        Err(_) => Line::NotText,
    }))
}

/// What a console line asks for.
#[derive(Debug, PartialEq)]
enum Command<'a> {
    Mood(&'a str),
    More,
    Help,
    Quit,
    Unknown,
    Nothing,
}

fn parse_command(line: &str) -> Command<'_> {
    let line = line.trim();
    if line.is_empty() {
        return Command::Nothing;
    }
    let Some(rest) = line.strip_prefix('/') else {
        return Command::Mood(line);
    };
    let (cmd, arg) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    match cmd.to_ascii_lowercase().as_str() {
        "mood" => Command::Mood(arg.trim()),
        "more" => Command::More,
        "help" | "start" => Command::Help,
        "quit" | "exit" | "q" => Command::Quit,
        _ => Command::Unknown,
    }
}

/// Runs a chat until `/quit` or end of input. Errors of the engine become replies; only IO errors
/// on the streams themselves end the session early.
pub async fn run<R, W>(
    engine: Arc<Engine>,
    mut input: R,
    mut output: W,
    opts: ConsoleOptions,
) -> std::io::Result<()>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let m = opts.lang.messages();
    output
        .write_all(format!("{}\n", m.welcome).as_bytes())
        .await?;
    let mut last: Option<(Emotion, usize)> = None;
    loop {
        if opts.prompt {
            output.write_all(b"> ").await?;
        }
        output.flush().await?;
        let Some(line) = read_line_bounded(&mut input, MAX_LINE_BYTES).await? else {
            break;
        };
        let reply = match line {
            Line::NotText => {
                tracing::info!(adapter = "console", outcome = "not_text", "input rejected");
                format!("{}\n", m.not_text)
            }
            Line::TooLong => {
                tracing::info!(adapter = "console", outcome = "too_long", "input rejected");
                format!(
                    "{}\n",
                    m.error(&RecommendError::TooLong {
                        max: engine.max_text_chars()
                    })
                )
            }
            Line::Text(text) => match parse_command(&text) {
                Command::Nothing => continue,
                Command::Quit => {
                    output
                        .write_all(format!("{}\n", m.goodbye).as_bytes())
                        .await?;
                    break;
                }
                Command::Help => format!("{}\n", m.help),
                Command::Unknown => format!("{}\n", m.unknown_command),
                Command::More => match last {
                    None => format!("{}\n", m.more_without_mood),
                    Some((emotion, next)) => {
                        match engine.recommend_emotion(&emotion, opts.k, next).await {
                            Ok(rec) => {
                                last = Some((emotion, next + rec.tracks.len()));
                                render::plain(&rec, opts.lang)
                            }
                            Err(e) => reply_error(&e, opts.lang),
                        }
                    }
                },
                Command::Mood(text) => match engine.recommend_text(text, opts.k).await {
                    Ok(rec) => {
                        tracing::info!(
                            adapter = "console",
                            outcome = "ok",
                            songs = rec.tracks.len(),
                            "recommended"
                        );
                        last = Some((rec.emotion, rec.tracks.len()));
                        render::plain(&rec, opts.lang)
                    }
                    Err(e) => reply_error(&e, opts.lang),
                },
            },
        };
        output.write_all(reply.as_bytes()).await?;
    }
    output.flush().await
}

fn reply_error(e: &RecommendError, lang: Lang) -> String {
    match e {
        RecommendError::Storage(cause) => {
            tracing::error!(adapter = "console", error = %cause, "storage failed")
        }
        other => tracing::info!(adapter = "console", outcome = ?other, "no recommendation"),
    }
    format!("{}\n", lang.messages().error(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse() {
        let table = [
            ("下雨天有点想家", Command::Mood("下雨天有点想家")),
            ("/mood 开心", Command::Mood("开心")),
            ("/MOOD   开心  ", Command::Mood("开心")),
            ("/mood", Command::Mood("")),
            ("/more", Command::More),
            ("/help", Command::Help),
            ("/quit", Command::Quit),
            ("/dance", Command::Unknown),
            ("   ", Command::Nothing),
        ];
        for (line, want) in table {
            assert_eq!(parse_command(line), want, "{line}");
        }
    }

    #[tokio::test]
    async fn lines_are_bounded_and_checked() {
        let mut data: Vec<u8> = b"hello\r\n".to_vec();
        data.extend_from_slice(&[0xff, 0xfe, b'\n']);
        data.extend(std::iter::repeat_n(b'a', 100));
        data.push(b'\n');
        data.extend_from_slice(b"last");
        let mut r = tokio::io::BufReader::with_capacity(8, &data[..]);
        assert_eq!(
            read_line_bounded(&mut r, 50).await.unwrap(),
            Some(Line::Text("hello".into()))
        );
        assert_eq!(
            read_line_bounded(&mut r, 50).await.unwrap(),
            Some(Line::NotText)
        );
        assert_eq!(
            read_line_bounded(&mut r, 50).await.unwrap(),
            Some(Line::TooLong)
        );
        assert_eq!(
            read_line_bounded(&mut r, 50).await.unwrap(),
            Some(Line::Text("last".into()))
        );
        assert_eq!(read_line_bounded(&mut r, 50).await.unwrap(), None);
    }
}
