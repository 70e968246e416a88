//! Connections: every request head, the first or the next on a kept-alive connection, must
//! arrive within a deadline once it has begun. actix-http times only a connection's first head;
//! a client that starts a second one and stalls would hold the connection for ever.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::rt::time::{sleep_until, Instant, Sleep};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

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
        let written = Pin::new(&mut self.inner).poll_write(cx, bytes);
        if let Poll::Ready(Ok(n)) = written {
            self.wrote(&bytes[..n]);
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
