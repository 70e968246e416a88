//! Small answers written without a heap allocation of their own. An estimate answer is just over
//! 1 KiB, and glibc's malloc sorts all its freed small blocks (`malloc_consolidate`) before every
//! allocation of 1 KiB or more, which showed as a few per cent of the estimate's CPU. Answers
//! are instead written into one block per thread and each is handed out as a slice of it; the
//! block's space comes back once the answers cut from it have been sent.

use std::cell::RefCell;

use actix_web::web::{Bytes, BytesMut};

/// Room for about sixty estimate answers per block.
const BLOCK_BYTES: usize = 64 * 1024;

/// The free space an answer starts with: more than the longest estimate answer (ten legs), so
/// that one is never moved while it is written.
const ROOM: usize = 4 * 1024;

thread_local! {
    /// The block answers are written into.
    static BLOCK: RefCell<BytesMut> = RefCell::new(BytesMut::new());
}

/// The bytes `write` appends, as a slice of this thread's block. For answers of a few KiB: a
/// longer one is still whole, but grows the block for as long as it is kept.
pub fn write(write: impl FnOnce(&mut BytesMut)) -> Bytes {
    BLOCK.with_borrow_mut(|block| {
        if block.capacity() < ROOM {
            // Takes the whole block back when every answer cut from it has been dropped (sent);
            // otherwise starts a new one.
            block.reserve(BLOCK_BYTES);
        }
        write(block);
        block.split().freeze()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_answer_is_exactly_what_was_written() {
        let answers: Vec<Bytes> = (0..500)
            .map(|i| write(|out| out.extend(std::iter::repeat_n(b'a' + (i % 26) as u8, 700 + i))))
            .collect();
        for (i, answer) in answers.iter().enumerate() {
            assert_eq!(answer.len(), 700 + i);
            assert!(answer.iter().all(|&b| b == b'a' + (i % 26) as u8));
        }
    }

    #[test]
    fn a_long_answer_is_whole_and_the_next_one_is_apart() {
        let long = write(|out| out.resize(BLOCK_BYTES * 3, b'x'));
        assert_eq!(long.len(), BLOCK_BYTES * 3);
        let short = write(|out| out.extend_from_slice(b"{}"));
        assert_eq!(&short[..], b"{}");
        assert!(long.iter().all(|&b| b == b'x'));
    }

    #[test]
    fn a_dropped_answer_gives_its_space_back() {
        let first = write(|out| out.extend_from_slice(&[1; 1000]));
        let address = first.as_ptr();
        drop(first);
        let reused = (0..200).any(|_| {
            let answer = write(|out| out.extend_from_slice(&[2; 1000]));
            answer.as_ptr() == address
        });
        assert!(
            reused,
            "the block is taken back in place, not allocated anew"
        );
    }
}
