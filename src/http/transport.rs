//! Connections: every request head, the first or the next on a kept-alive connection, must
//! arrive within a deadline once it has begun. actix-http times only a connection's first head;
//! a client that starts a second one and stalls would hold the connection for ever.
//!
//! The answers actix-http writes by itself, before any request reaches the application (a head
//! it cannot parse: 400; one too large: 431; one too slow: 408), have no body and no hook. The
//! connection replaces them with the problem+json answer every other error has.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::rt::time::{sleep_until, Instant, Sleep};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::http::error::{problem, PROBLEM_JSON};

/// The end of a request head.
const HEAD_END: &[u8; 4] = b"\r\n\r\n";

/// Where the connection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Between requests: the next head has not begun (`began` is `None`), or began then and is
    /// being read (`matched` bytes of its end seen so far).
    Head {
        began: Option<Instant>,
        matched: usize,
    },
    /// The head is complete: the body, the work and the answer follow, timed elsewhere.
    Request,
}

/// A stream that fails its reads once a begun request head is late, so that the server drops
/// the connection. The timer is made only when a begun head has to wait for more bytes: a head
/// that arrives whole (nearly every one) costs a clock read, not a timer registration.
pub struct HeadDeadline<S> {
    inner: S,
    timeout: Duration,
    phase: Phase,
    deadline: Option<Pin<Box<Sleep>>>,
    /// The problem+json answer being written in place of actix-http's own bodiless one.
    replacing: Option<Replacement>,
}

/// An answer written instead of another: its bytes, how many are sent, and the length of the
/// answer it stands for (reported as written once all of it is).
struct Replacement {
    bytes: Vec<u8>,
    sent: usize,
    stands_for: usize,
}

impl<S> HeadDeadline<S> {
    /// Wraps a fresh connection, waiting for its first head.
    pub fn new(inner: S, timeout: Duration) -> Self {
        Self {
            inner,
            timeout,
            phase: Phase::Head {
                began: None,
                matched: 0,
            },
            deadline: None,
            replacing: None,
        }
    }

    /// Follows the bytes just read: a head begins (the deadline starts) or ends (it stops).
    fn saw(&mut self, bytes: &[u8]) {
        let Phase::Head { began, matched } = self.phase else {
            return;
        };
        if bytes.is_empty() {
            return;
        }
        let began = began.unwrap_or_else(Instant::now);
        match head_end(matched, bytes) {
            Ok(()) => {
                self.phase = Phase::Request;
                self.deadline = None;
            }
            Err(matched) => {
                self.phase = Phase::Head {
                    began: Some(began),
                    matched,
                }
            }
        }
    }

    /// The timer of a begun head that is waiting for more bytes, made on first need.
    fn late_head(&mut self) -> Option<Pin<&mut Sleep>> {
        let Phase::Head {
            began: Some(began), ..
        } = self.phase
        else {
            return None;
        };
        let timeout = self.timeout;
        Some(
            self.deadline
                .get_or_insert_with(|| Box::pin(sleep_until(began + timeout)))
                .as_mut(),
        )
    }

    /// Follows bytes written: an answer (other than `100 Continue`, after which the body comes)
    /// means the next thing the client sends is a new head.
    fn wrote(&mut self, bytes: &[u8]) {
        if self.phase == Phase::Request && !bytes.is_empty() && !bytes.starts_with(b"HTTP/1.1 100 ")
        {
            self.phase = Phase::Head {
                began: None,
                matched: 0,
            };
        }
    }
}

/// Whether `bytes`, read after `matched` bytes of a head's end, complete that end; if not, how
/// much of it their own end holds.
fn head_end(mut matched: usize, bytes: &[u8]) -> Result<(), usize> {
    // An end split over two reads: follow it byte by byte (at most three).
    let mut rest = bytes;
    while matched > 0 {
        let Some((&byte, after)) = rest.split_first() else {
            return Err(matched);
        };
        matched = if byte == HEAD_END[matched] {
            matched + 1
        } else {
            usize::from(byte == b'\r')
        };
        if matched == HEAD_END.len() {
            return Ok(());
        }
        rest = after;
    }
    // Whole heads (nearly all) are searched at memchr's speed, not a byte at a time.
    if memchr::memmem::find(rest, HEAD_END).is_some() {
        return Ok(());
    }
    Err((1..HEAD_END.len())
        .rev()
        .find(|&length| rest.ends_with(&HEAD_END[..length]))
        .unwrap_or(0))
}

/// Where `bytes` end with an answer actix-http made by itself, and its status: a 400, 408 or
/// 431 head with no body, last in what is written (the connection closes after it). The
/// application never answers so: its 4xx answers are problem+json with a body. A normal answer
/// ends with its body, so the first test turns nearly every write away.
fn own_error_answer(bytes: &[u8]) -> Option<(usize, StatusCode)> {
    if !bytes.ends_with(HEAD_END) {
        return None;
    }
    let start = memchr::memmem::rfind(bytes, b"HTTP/1.1 ")?;
    let head = &bytes[start..];
    let status = match head.get(9..13)? {
        b"400 " => StatusCode::BAD_REQUEST,
        b"408 " => StatusCode::REQUEST_TIMEOUT,
        b"431 " => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        _ => return None,
    };
    let one_head = memchr::memmem::find(&head[..head.len() - HEAD_END.len()], HEAD_END).is_none();
    let no_body = memchr::memmem::find(head, b"\r\ncontent-length: 0\r\n").is_some();
    (one_head && no_body).then_some((start, status))
}

/// The problem+json answer for one of actix-http's own: the connection closes after it, as
/// after the one it replaces.
fn problem_answer(status: StatusCode) -> Vec<u8> {
    let detail = match status {
        StatusCode::REQUEST_TIMEOUT => "the request head did not arrive in time",
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => {
            "the request line and headers are larger than this service reads"
        }
        _ => "the request is not well-formed HTTP/1.1 (its request line or a header)",
    };
    let body =
        serde_json::to_vec(&problem(status, detail.to_owned(), Vec::new())).unwrap_or_default();
    let mut answer = format!(
        "HTTP/1.1 {status}\r\ncontent-type: {PROBLEM_JSON}\r\ncontent-length: {}\r\n\
         x-content-type-options: nosniff\r\nconnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    answer.extend_from_slice(&body);
    answer
}

impl<S: AsyncRead + Unpin> AsyncRead for HeadDeadline<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let this = &mut *self;
                this.saw(&buf.filled()[before..]);
                Poll::Ready(Ok(()))
            }
            Poll::Pending => match self.late_head().map(|deadline| deadline.poll(cx)) {
                Some(Poll::Ready(())) => Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the request head did not arrive in time",
                ))),
                _ => Poll::Pending,
            },
            other => other,
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for HeadDeadline<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bytes: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.replacing.is_none() {
            if let Some((start, status)) = own_error_answer(bytes) {
                if start > 0 {
                    // The answers before it go out as they are; actix offers the rest again.
                    let written = Pin::new(&mut this.inner).poll_write(cx, &bytes[..start]);
                    if let Poll::Ready(Ok(n)) = written {
                        this.wrote(&bytes[..n]);
                    }
                    return written;
                }
                this.replacing = Some(Replacement {
                    bytes: problem_answer(status),
                    sent: 0,
                    stands_for: bytes.len(),
                });
            }
        }
        if let Some(replacement) = &mut this.replacing {
            while replacement.sent < replacement.bytes.len() {
                match Pin::new(&mut this.inner)
                    .poll_write(cx, &replacement.bytes[replacement.sent..])
                {
                    Poll::Ready(Ok(0)) => return Poll::Ready(Ok(0)),
                    Poll::Ready(Ok(n)) => replacement.sent += n,
                    other => return other,
                }
            }
            let stands_for = replacement.stands_for;
            this.replacing = None;
            return Poll::Ready(Ok(stands_for));
        }
        let written = Pin::new(&mut this.inner).poll_write(cx, bytes);
        if let Poll::Ready(Ok(n)) = written {
            this.wrote(&bytes[..n]);
        }
        written
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buffers: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.inner).poll_write_vectored(cx, buffers);
        if let (Poll::Ready(Ok(n)), Some(first)) = (&written, buffers.first()) {
            self.wrote(&first[..(*n).min(first.len())]);
        }
        written
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stream over nothing, made where timers can be made.
    fn with_stream(test: impl FnOnce(&mut HeadDeadline<()>)) {
        actix_web::rt::System::new().block_on(async {
            test(&mut HeadDeadline::new((), Duration::from_secs(1)));
        });
    }

    const ACTIX_400: &[u8] =
        b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\ndate: Wed, 02 Dec 2026 07:00:00 GMT\r\n\r\n";

    #[test]
    fn actix_http_own_bodiless_errors_are_recognized_and_nothing_else() {
        assert_eq!(
            own_error_answer(ACTIX_400),
            Some((0, StatusCode::BAD_REQUEST))
        );
        let answer = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}";
        let after_an_answer = [&answer[..], ACTIX_400].concat();
        assert_eq!(
            own_error_answer(&after_an_answer),
            Some((answer.len(), StatusCode::BAD_REQUEST))
        );
        for (status, code) in [
            ("408 Request Timeout", StatusCode::REQUEST_TIMEOUT),
            (
                "431 Request Header Fields Too Large",
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ),
        ] {
            let head =
                format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            assert_eq!(own_error_answer(head.as_bytes()), Some((0, code)));
        }
        for application_answer in [
            &b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/problem+json\r\ncontent-length: 9\r\n\r\n{\"a\":\"b\"}"[..],
            b"HTTP/1.1 204 No Content\r\ndate: x\r\n\r\n",
            b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n",
            b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\n\r\n\r\n",
        ] {
            assert_eq!(own_error_answer(application_answer), None);
        }
    }

    #[test]
    fn an_actix_error_answer_goes_out_as_problem_json_and_counts_as_written() {
        let mut sent = Vec::new();
        let mut stream = HeadDeadline::new(&mut sent, Duration::from_secs(1));
        let mut cx = Context::from_waker(std::task::Waker::noop());
        let before = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}";
        let written = [&before[..], ACTIX_400].concat();

        let first = Pin::new(&mut stream).poll_write(&mut cx, &written);
        let second = Pin::new(&mut stream).poll_write(&mut cx, &written[before.len()..]);

        assert!(matches!(first, Poll::Ready(Ok(n)) if n == before.len()));
        assert!(matches!(second, Poll::Ready(Ok(n)) if n == ACTIX_400.len()));
        let text = String::from_utf8(sent).unwrap();
        let (answer, body) = text[before.len()..].split_once("\r\n\r\n").unwrap();
        assert!(
            answer.starts_with("HTTP/1.1 400 Bad Request\r\n"),
            "{answer}"
        );
        assert!(
            answer.contains("content-type: application/problem+json"),
            "{answer}"
        );
        assert!(
            answer.contains("x-content-type-options: nosniff"),
            "{answer}"
        );
        assert!(
            answer.contains(&format!("content-length: {}", body.len())),
            "{answer}"
        );
        let problem: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(problem["status"], 400);
        assert!(problem["detail"].as_str().unwrap().contains("HTTP/1.1"));
    }

    #[test]
    fn a_head_split_anywhere_is_followed_to_its_end() {
        with_stream(|s| {
            s.saw(b"GET / HTTP/1.1\r\nHost: x\r");
            assert!(s.late_head().is_some(), "a begun head is timed");
            s.saw(b"\n\r");
            assert_ne!(s.phase, Phase::Request);
            s.saw(b"\nbody");
            assert_eq!(s.phase, Phase::Request);
            assert!(s.deadline.is_none());
        });
    }

    #[test]
    fn a_head_end_is_found_however_the_reads_cut_it() {
        let head = b"GET / HTTP/1.1\r\nHost: x\r\n\r\nbody\r\n\r\n";
        for cut in 0..=head.len() {
            let (first, second) = head.split_at(cut);
            let expected_first = first.windows(4).any(|w| w == HEAD_END);
            match head_end(0, first) {
                Ok(()) => assert!(expected_first, "cut {cut}"),
                Err(matched) => {
                    assert!(!expected_first, "cut {cut}");
                    assert_eq!(head_end(matched, second), Ok(()), "cut {cut}");
                }
            }
        }
        assert_eq!(head_end(0, b"a\r\n\r"), Err(3));
        assert_eq!(
            head_end(3, b"\r\n\r\n"),
            Ok(()),
            "a broken end starts again"
        );
        assert_eq!(head_end(2, b"x"), Err(0));
        assert_eq!(head_end(1, b"\r"), Err(1));
    }

    #[test]
    fn a_head_that_arrives_whole_needs_no_timer() {
        with_stream(|s| {
            s.saw(b"POST /v1/estimate HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}");
            assert_eq!(s.phase, Phase::Request);
            assert!(s.deadline.is_none());
        });
    }

    #[test]
    fn an_answer_opens_the_next_head_but_100_continue_does_not() {
        with_stream(|s| {
            s.saw(b"POST / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n");
            s.wrote(b"HTTP/1.1 100 Continue\r\n\r\n");
            assert_eq!(s.phase, Phase::Request);
            s.wrote(b"HTTP/1.1 201 Created\r\n");
            let between = Phase::Head {
                began: None,
                matched: 0,
            };
            assert_eq!(s.phase, between);
            assert!(
                s.late_head().is_none(),
                "no deadline until the next head begins"
            );
        });
    }
}
