//! The console adapter: a chat in the terminal (or over any byte stream, which is how it is tested).
//!
//! Each line is a message: plain text is a mood; `/mood TEXT`, `/more`, `/cheer`, `/like N`,
//! `/dislike N`, `/history`, `/forget`, `/help` and `/quit` are commands (the table's). The
//! console is one local person, remembered like a chat platform's users. Lines are read as bytes with a cap, so invalid UTF-8 or a huge paste gets a short
//! reply instead of an error or unbounded memory.

use std::sync::Arc;

use moodtune_core::{Emotion, Engine, RecommendError, Verdict};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};

use crate::commands::{self, help_text, Command, Platform};
use crate::memory::history_text;
use crate::messages::Lang;
use crate::pipeline::{Answer, Ask, Pipeline, PipelineOptions};
use crate::render;

/// The console's one person, as the memory knows them (the key is salted like everyone's).
const LOCAL_USER: u64 = 0;

/// Bytes kept from one input line; the rest of a longer line is read and dropped.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// Settings of a console session.
#[derive(Debug, Clone)]
pub struct ConsoleOptions {
    /// Reply language: of every reply when `lang_chosen`, else of replies to messages whose
    /// language cannot be told (emoji, numbers) and of the welcome.
    pub lang: Lang,
    /// The person chose `lang` (`--lang`, MOODTUNE_LANG): keep it whatever they write.
    /// Otherwise each message is answered in the language it is written in.
    pub lang_chosen: bool,
    /// Songs per reply.
    pub k: usize,
    /// Print a prompt before each line (only when a person is typing).
    pub prompt: bool,
}

impl Default for ConsoleOptions {
    fn default() -> Self {
        ConsoleOptions {
            lang: Lang::En,
            lang_chosen: false,
            k: moodtune_core::DEFAULT_K,
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
enum Parsed<'a> {
    /// A command of the table, with its argument.
    Command(Command, &'a str),
    /// Plain text: a mood.
    Mood(&'a str),
    /// A command the table does not know.
    Unknown,
    /// Nothing (a blank line).
    Nothing,
}

fn parse_line(line: &str) -> Parsed<'_> {
    let line = line.trim();
    if line.is_empty() {
        return Parsed::Nothing;
    }
    match commands::split(line) {
        None => Parsed::Mood(line),
        Some((name, _, arg)) => match Command::parse(name, Platform::Console) {
            Some(c) => Parsed::Command(c, arg),
            None => Parsed::Unknown,
        },
    }
}

/// Runs a chat until `/quit` or end of input. Errors of the engine become replies; only IO errors
/// on the streams themselves end the session early. Requests go through the same pipeline as
/// every chat platform's (the console's user is local: never rate-limited).
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
    let mut lang = opts.lang;
    let mut m = lang.messages();
    let pipeline = Pipeline::new(
        engine,
        PipelineOptions {
            k: opts.k,
            local_user: Some(LOCAL_USER),
            ..PipelineOptions::new("console")
        },
    );
    // The songs of the last list by their shown numbers, for `/like N` and `/dislike N`.
    let mut shown: Vec<(usize, i64)> = Vec::new();
    output
        .write_all(format!("{}\n", m.welcome).as_bytes())
        .await?;
    // The last reply's mood, where its next page starts, and whether it lifted.
    let mut last: Option<(Emotion, usize, bool)> = None;
    loop {
        if opts.prompt {
            output.write_all(b"> ").await?;
        }
        output.flush().await?;
        let Some(line) = read_line_bounded(&mut input, MAX_LINE_BYTES).await? else {
            break;
        };
        if let (Line::Text(text), false) = (&line, opts.lang_chosen) {
            // `/more` and `/cheer` alone keep the language of the reply they continue.
            if let Some(l) = Lang::of_text(text) {
                lang = l;
                m = lang.messages();
            }
        }
        let ask: Result<Ask<Vec<u8>>, String> = match line {
            Line::NotText => {
                tracing::info!(adapter = "console", outcome = "not_text", "input rejected");
                Err(format!("{}\n", m.not_text))
            }
            Line::TooLong => {
                tracing::info!(adapter = "console", outcome = "too_long", "input rejected");
                let max = pipeline.max_text_chars();
                Err(format!("{}\n", m.error(&RecommendError::TooLong { max })))
            }
            Line::Text(text) => match parse_line(&text) {
                Parsed::Nothing => continue,
                Parsed::Command(Command::Quit, _) => {
                    output
                        .write_all(format!("{}\n", m.goodbye).as_bytes())
                        .await?;
                    break;
                }
                Parsed::Command(Command::More, _) => match last {
                    None => Err(format!("{}\n", m.more_without_mood)),
                    Some((emotion, offset, lift)) => Ok(Ask::More {
                        emotion,
                        offset,
                        lift,
                    }),
                },
                Parsed::Command(Command::Cheer, "") => match last {
                    None => Err(format!("{}\n", m.more_without_mood)),
                    Some((emotion, _, _)) => Ok(Ask::More {
                        emotion,
                        offset: 0,
                        lift: true,
                    }),
                },
                Parsed::Command(c @ (Command::Like | Command::Dislike), arg) => {
                    let verdict = if c == Command::Like {
                        Verdict::Like
                    } else {
                        Verdict::Dislike
                    };
                    Err(rate(&pipeline, &shown, verdict, arg, lang).await)
                }
                Parsed::Command(Command::History, arg) => Err(history(&pipeline, arg, lang).await),
                Parsed::Command(Command::Forget, _) => Err(forget(&pipeline, lang).await),
                Parsed::Command(Command::Cheer, arg) => Ok(Ask::Cheer(arg.to_string())),
                Parsed::Command(Command::Mood, arg) => Ok(Ask::Text(arg.to_string())),
                Parsed::Mood(text) => Ok(Ask::Text(text.to_string())),
                Parsed::Command(_, _) => Err(help_text(lang, Platform::Console)),
                Parsed::Unknown => Err(format!("{}\n", m.unknown_command)),
            },
        };
        let reply = match ask {
            Err(note) => note,
            Ok(ask) => {
                let rating = pipeline.memory_days() > 0;
                let deliver = |answer: Answer| {
                    let reply = match &answer {
                        Answer::Songs(rec) => {
                            last = Some((rec.emotion, rec.offset + rec.tracks.len(), rec.lifted));
                            shown = (rec.offset + 1..)
                                .zip(rec.tracks.iter().map(|t| t.info.id))
                                .collect();
                            let mut out = render::plain(rec, lang);
                            if rating && !rec.tracks.is_empty() {
                                out.push_str(m.rate_hint);
                                out.push('\n');
                            }
                            out
                        }
                        other => format!("{}\n", other.note(lang).unwrap_or_default()),
                    };
                    std::future::ready(reply)
                };
                pipeline
                    .run(None, ask, std::future::ready(()), deliver)
                    .await
            }
        };
        output.write_all(reply.as_bytes()).await?;
    }
    output.flush().await
}

/// `/like N` or `/dislike N`: the verdict on song N of the last list.
async fn rate(
    pipeline: &Pipeline,
    shown: &[(usize, i64)],
    verdict: Verdict,
    arg: &str,
    lang: Lang,
) -> String {
    let m = lang.messages();
    let wanted = arg.trim().trim_start_matches('#').parse::<usize>().ok();
    let Some((_, track)) = shown.iter().find(|(n, _)| Some(*n) == wanted) else {
        return format!("{}\n", m.rate_usage);
    };
    match pipeline.rate(None, *track, verdict).await {
        Ok(song) => {
            let said = match verdict {
                Verdict::Like => m.rated_like,
                Verdict::Dislike => m.rated_dislike,
            };
            format!("{}\n", said.replace("{song}", &render::title(&song)))
        }
        Err(why) => format!("{}\n", why.note(lang)),
    }
}

/// `/history [PAGE]`.
async fn history(pipeline: &Pipeline, arg: &str, lang: Lang) -> String {
    let page = arg.trim().parse::<usize>().unwrap_or(1).saturating_sub(1);
    match pipeline.history(None, page).await {
        Ok(h) => format!(
            "{}\n",
            history_text(&h, lang, pipeline.memory_days(), str::to_owned)
        ),
        Err(why) => format!("{}\n", why.note(lang)),
    }
}

/// `/forget`.
async fn forget(pipeline: &Pipeline, lang: Lang) -> String {
    match pipeline.forget(None).await {
        Ok(gone) => format!(
            "{}\n",
            lang.messages()
                .forgot
                .replace("{moods}", &gone.moods.to_string())
                .replace("{ratings}", &gone.ratings.to_string())
        ),
        Err(why) => format!("{}\n", why.note(lang)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_parse_through_the_command_table() {
        let table = [
            ("下雨天有点想家", Parsed::Mood("下雨天有点想家")),
            ("/mood 开心", Parsed::Command(Command::Mood, "开心")),
            ("/MOOD   开心  ", Parsed::Command(Command::Mood, "开心")),
            ("/mood", Parsed::Command(Command::Mood, "")),
            ("/more", Parsed::Command(Command::More, "")),
            ("/help", Parsed::Command(Command::Help, "")),
            ("/quit", Parsed::Command(Command::Quit, "")),
            ("/exit", Parsed::Command(Command::Quit, "")),
            ("/start", Parsed::Command(Command::Start, "")),
            ("/like 3", Parsed::Command(Command::Like, "3")),
            ("/dislike 10", Parsed::Command(Command::Dislike, "10")),
            ("/history 2", Parsed::Command(Command::History, "2")),
            ("/forget", Parsed::Command(Command::Forget, "")),
            ("/lang zh", Parsed::Unknown),
            ("/dance", Parsed::Unknown),
            ("   ", Parsed::Nothing),
        ];
        for (line, want) in table {
            assert_eq!(parse_line(line), want, "{line}");
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
