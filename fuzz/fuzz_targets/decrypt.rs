//! Decryption of hostile input: never a panic, never plaintext of a chunk that fails.
//!
//! The first byte picks a mode:
//! - even: the rest is an encrypted file, decrypted with a fixed password. Almost every
//!   input fails in the header; this covers the header checks and the error paths.
//! - odd: the rest describes a plaintext, a chunk size, how it is written, and up to four
//!   edits of the encrypted file (flip a bit, truncate, insert, remove, swap or duplicate
//!   chunks, append). The file is encrypted with the real writer, edited, and decrypted:
//!   unedited it must give the plaintext back; edited it must fail, having released only
//!   whole chunks of the plaintext, all of them before the first edited byte.
//!
//! Either way the file is decrypted twice, with `decrypt` and through `Read`, and both
//! must agree. `cargo fuzz` builds milmed-core with `--cfg fuzzing`, under which the key
//! derivation runs one PBKDF2 round instead of the header's count (still checked to be at
//! least 600,000): that keeps each run to microseconds.
#![no_main]

use std::io::{Read, Write};

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use milmed_core::output::{
    DecryptingReader, EncryptingWriter, EncryptionParams, HEADER_LEN, MIN_ITERATIONS, TAG_LEN,
    decrypt,
};

const PASSWORD: &[u8] = b"fuzz password";

fuzz_target!(|data: &[u8]| {
    match data.split_first() {
        Some((mode, rest)) if mode & 1 == 1 => {
            let _ = round_trip(&mut Unstructured::new(rest));
        }
        Some((_, rest)) => {
            let (out, result) = decrypt_both(rest);
            if let Ok(n) = result {
                assert_eq!(n, out.len() as u64);
            }
        }
        None => {
            assert!(decrypt_both(data).1.is_err());
        }
    }
});

/// Decrypts with `decrypt` and through `Read`; checks they agree; returns what was
/// released and the plaintext length or the error message.
fn decrypt_both(file: &[u8]) -> (Vec<u8>, std::result::Result<u64, String>) {
    let mut out = Vec::new();
    let result = decrypt(file, &mut out, PASSWORD).map_err(|e| e.to_string());

    let mut read_out = Vec::new();
    let read_result = match DecryptingReader::new(file, PASSWORD) {
        Ok(mut reader) => match reader.read_to_end(&mut read_out) {
            Ok(n) => Ok(n as u64),
            Err(e) => {
                assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
                Err(e.to_string())
            }
        },
        Err(e) => Err(e.to_string()),
    };
    assert_eq!(result, read_result, "decrypt() and Read disagree");
    assert!(
        out == read_out,
        "decrypt() and Read released different bytes"
    );
    (out, result)
}

enum Edit {
    Flip { pos: usize, bit: u8 },
    Truncate(usize),
    Insert(usize, u8),
    Remove(usize, usize),
    SwapChunks(usize, usize),
    DuplicateChunk(usize, usize),
    Append(Vec<u8>),
}

fn round_trip(u: &mut Unstructured) -> Result<()> {
    let chunk_size = u.int_in_range(1u32..=300)?;
    let len = u.int_in_range(0usize..=3000)?;
    let seed = u.arbitrary::<u8>()?;
    let plain: Vec<u8> = (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect();

    let params = EncryptionParams {
        iterations: MIN_ITERATIONS,
        chunk_size,
    };
    let mut writer = EncryptingWriter::with_params(Vec::new(), PASSWORD, params).unwrap();
    let mut rest = &plain[..];
    while !rest.is_empty() {
        let step = u.int_in_range(1usize..=700).unwrap_or(700).min(rest.len());
        writer.write_all(&rest[..step]).unwrap();
        rest = &rest[step..];
    }
    let original = writer.finish().unwrap();

    let full = chunk_size as usize + TAG_LEN;
    let mut file = original.clone();
    let edits = u.int_in_range(0u8..=4)?;
    for _ in 0..edits {
        let edit = match u.int_in_range(0u8..=6)? {
            0 => Edit::Flip {
                pos: u.arbitrary()?,
                bit: u.int_in_range(0..=7)?,
            },
            1 => Edit::Truncate(u.arbitrary()?),
            2 => Edit::Insert(u.arbitrary()?, u.arbitrary()?),
            3 => Edit::Remove(u.arbitrary()?, u.int_in_range(1..=64)?),
            4 => Edit::SwapChunks(u.arbitrary()?, u.arbitrary()?),
            5 => Edit::DuplicateChunk(u.arbitrary()?, u.arbitrary()?),
            _ => {
                let n = u.int_in_range(1..=40)?;
                Edit::Append(u.bytes(n)?.to_vec())
            }
        };
        apply(&mut file, edit, full);
    }

    let (out, result) = decrypt_both(&file);
    if file == original {
        assert_eq!(
            result,
            Ok(plain.len() as u64),
            "an intact file must decrypt"
        );
        assert!(out == plain, "an intact file must give the plaintext back");
    } else {
        assert!(result.is_err(), "an edited file must not decrypt");
        let cs = chunk_size as usize;
        assert_eq!(out.len() % cs, 0, "only whole chunks are released");
        assert!(
            out.len() <= plain.len() && out == plain[..out.len()],
            "released bytes are the plaintext's start"
        );
        let first_diff = file
            .iter()
            .zip(&original)
            .position(|(a, b)| a != b)
            .unwrap_or(file.len().min(original.len()));
        let intact_chunks = first_diff.saturating_sub(HEADER_LEN) / full;
        let intact_chunks = if first_diff < HEADER_LEN {
            0
        } else {
            intact_chunks
        };
        assert!(
            out.len() <= intact_chunks * cs,
            "released {} bytes, but only {intact_chunks} chunks precede the first edit at {first_diff}",
            out.len()
        );
    }
    Ok(())
}

fn apply(file: &mut Vec<u8>, edit: Edit, full: usize) {
    let len = file.len();
    let chunks = len.saturating_sub(HEADER_LEN).div_ceil(full);
    let chunk_range = |i: usize| {
        let start = HEADER_LEN + i * full;
        start..(start + full).min(len)
    };
    match edit {
        Edit::Flip { pos, bit } if len > 0 => file[pos % len] ^= 1 << bit,
        Edit::Truncate(pos) => file.truncate(pos % (len + 1)),
        Edit::Insert(pos, byte) => file.insert(pos % (len + 1), byte),
        Edit::Remove(pos, n) if len > 0 => {
            let start = pos % len;
            file.drain(start..(start + n).min(len));
        }
        Edit::SwapChunks(a, b) if chunks > 1 => {
            let (a, b) = (chunk_range(a % chunks), chunk_range(b % chunks));
            let (a, b) = if a.start <= b.start { (a, b) } else { (b, a) };
            if a.start != b.start {
                let mut swapped = file[..a.start].to_vec();
                swapped.extend_from_slice(&file[b.clone()]);
                swapped.extend_from_slice(&file[a.end..b.start]);
                swapped.extend_from_slice(&file[a.clone()]);
                swapped.extend_from_slice(&file[b.end..]);
                *file = swapped;
            }
        }
        Edit::DuplicateChunk(from, at) if chunks > 0 => {
            let copy = file[chunk_range(from % chunks)].to_vec();
            let at = HEADER_LEN + (at % (chunks + 1)) * full;
            let at = at.min(file.len());
            file.splice(at..at, copy);
        }
        Edit::Append(bytes) => file.extend_from_slice(&bytes),
        _ => {}
    }
}
