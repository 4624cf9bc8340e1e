//! Encrypted output: round trips through the public API, and every way a file can be
//! wrong — wrong password, truncation, reordering, flipped bits, foreign files — is
//! reported as such, with no plaintext of a failing chunk ever released.
//!
//! Each encryption and each decryption that gets past the header runs PBKDF2 with
//! 600,000 rounds (a fraction of a second), so tampering tests share one encrypted file.

use std::io::{self, Read, Write};
use std::sync::OnceLock;

use milmed_core::output::{
    Compression, DecryptError, DecryptingReader, EncryptingWriter, Encryption, EncryptionParams,
    HEADER_LEN, MAX_CHUNK_SIZE, MAX_ITERATIONS, MIN_ITERATIONS, Output, ParamsError, TAG_LEN,
    decrypt,
};

const PASSWORD: &[u8] = b"Role 2 exercise, 2025";

/// Deterministic, incompressible-looking test bytes.
fn bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn params(chunk_size: u32) -> EncryptionParams {
    EncryptionParams {
        iterations: MIN_ITERATIONS,
        chunk_size,
    }
}

/// Encrypts `plain` with the real writer, in writes of varying sizes.
fn encrypt(plain: &[u8], chunk_size: u32) -> Vec<u8> {
    let mut writer =
        EncryptingWriter::with_params(Vec::new(), PASSWORD, params(chunk_size)).unwrap();
    let mut rest = plain;
    let mut step = 1;
    while !rest.is_empty() {
        let n = step.min(rest.len());
        writer.write_all(&rest[..n]).unwrap();
        rest = &rest[n..];
        step = step * 7 % 10_007 + 1;
    }
    writer.finish().unwrap()
}

/// Decrypts with [`decrypt`]: what it wrote, and its result.
fn decrypt_all(file: &[u8], password: &[u8]) -> (Vec<u8>, Result<u64, DecryptError>) {
    let mut out = Vec::new();
    let result = decrypt(file, &mut out, password);
    (out, result)
}

/// Decrypts through `Read` with small, varying buffers.
fn read_all(file: &[u8], password: &[u8]) -> (Vec<u8>, io::Result<()>) {
    let mut reader = match DecryptingReader::new(file, password) {
        Ok(r) => r,
        Err(e) => return (Vec::new(), Err(e.into())),
    };
    let mut out = Vec::new();
    let mut buf = [0u8; 777];
    let mut size = 1;
    loop {
        match reader.read(&mut buf[..size]) {
            Ok(0) => return (out, Ok(())),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) => return (out, Err(e)),
        }
        size = (size * 31 + 13) % 777 + 1;
    }
}

fn expected_len(plain: usize, chunk: usize) -> usize {
    HEADER_LEN + plain + TAG_LEN * (plain / chunk + 1)
}

#[test]
fn round_trips_at_chunk_edges() {
    let chunk = 4096;
    for len in [0, 1, chunk - 1, chunk, chunk + 1, 3 * chunk] {
        let plain = bytes(len, len as u64);
        let file = encrypt(&plain, chunk as u32);
        assert_eq!(
            file.len(),
            expected_len(len, chunk),
            "file size for {len} bytes"
        );
        let (out, result) = decrypt_all(&file, PASSWORD);
        assert_eq!(result.unwrap(), len as u64);
        assert_eq!(out, plain, "round trip of {len} bytes");
    }
}

#[test]
fn round_trips_with_default_settings_through_read() {
    for len in [0usize, 1, 65_536] {
        let plain = bytes(len, 7);
        let mut writer = EncryptingWriter::new(Vec::new(), PASSWORD).unwrap();
        writer.write_all(&plain).unwrap();
        assert_eq!(writer.plaintext_bytes(), len as u64);
        let file = writer.finish().unwrap();
        assert_eq!(file.len(), expected_len(len, 65_536));
        // The header carries the defaults: 600,000 rounds, 64 KiB chunks.
        assert_eq!(&file[..8], b"MILMEDE\0");
        assert_eq!(file[8], 1, "format version");
        assert_eq!(&file[11..15], &600_000u32.to_be_bytes());
        assert_eq!(&file[38..42], &65_536u32.to_be_bytes());

        let mut reader = DecryptingReader::new(&file[..], PASSWORD).unwrap();
        assert_eq!(reader.iterations(), 600_000);
        assert_eq!(reader.chunk_size(), 65_536);
        let mut out = Vec::new();
        reader.read_to_end(&mut out).unwrap();
        assert_eq!(out, plain);
        // At the end it stays at the end.
        assert_eq!(reader.read(&mut [0u8; 8]).unwrap(), 0);
    }
}

#[test]
fn several_megabytes_with_small_chunks() {
    let plain = bytes(5_000_000, 99);
    let chunk = 1000;
    let file = encrypt(&plain, chunk);
    assert_eq!(file.len(), expected_len(plain.len(), chunk as usize));
    let (out, result) = read_all(&file, PASSWORD);
    result.unwrap();
    assert!(out == plain, "5 MB round trip through Read differs");
    let (out, result) = decrypt_all(&file, PASSWORD);
    assert_eq!(result.unwrap(), plain.len() as u64);
    assert!(out == plain, "5 MB round trip through decrypt() differs");
}

#[test]
fn explicit_iterations_are_recorded_and_used() {
    let encryption = Encryption::with_params(
        "pw",
        EncryptionParams {
            iterations: 650_000,
            chunk_size: 10,
        },
    )
    .unwrap();
    let mut writer = encryption.writer(Vec::new()).unwrap();
    writer.write_all(b"twenty-five bytes of text").unwrap();
    let file = writer.finish().unwrap();
    assert_eq!(&file[11..15], &650_000u32.to_be_bytes());
    let reader = DecryptingReader::new(&file[..], b"pw").unwrap();
    assert_eq!((reader.iterations(), reader.chunk_size()), (650_000, 10));
    let (out, result) = decrypt_all(&file, b"pw");
    result.unwrap();
    assert_eq!(out, b"twenty-five bytes of text");
}

#[test]
fn two_encryptions_of_the_same_plaintext_differ() {
    let plain = bytes(3000, 3);
    let a = encrypt(&plain, 1024);
    let b = encrypt(&plain, 1024);
    assert_eq!(a.len(), b.len());
    assert_ne!(a[15..31], b[15..31], "salts must differ");
    assert_ne!(a[31..38], b[31..38], "nonce prefixes must differ");
    assert_ne!(a[HEADER_LEN..], b[HEADER_LEN..], "ciphertexts must differ");
}

#[test]
fn bad_settings_are_refused_when_encrypting() {
    let cases = [
        (params(0), ParamsError::ChunkSize(0)),
        (
            params(MAX_CHUNK_SIZE + 1),
            ParamsError::ChunkSize(MAX_CHUNK_SIZE + 1),
        ),
        (
            EncryptionParams {
                iterations: MIN_ITERATIONS - 1,
                chunk_size: 100,
            },
            ParamsError::TooFewIterations(MIN_ITERATIONS - 1),
        ),
        (
            EncryptionParams {
                iterations: MAX_ITERATIONS + 1,
                chunk_size: 100,
            },
            ParamsError::TooManyIterations(MAX_ITERATIONS + 1),
        ),
    ];
    for (p, expected) in cases {
        let err = EncryptingWriter::with_params(Vec::new(), PASSWORD, p).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        let inner = err
            .get_ref()
            .unwrap()
            .downcast_ref::<ParamsError>()
            .unwrap();
        assert_eq!(inner, &expected);
        assert_eq!(Encryption::with_params(PASSWORD, p).unwrap_err(), expected);
    }
    let err = EncryptingWriter::new(Vec::new(), b"").unwrap_err();
    assert!(err.to_string().contains("password is empty"), "{err}");
    assert_eq!(
        Encryption::new(String::new()).unwrap_err(),
        ParamsError::EmptyPassword
    );
    assert!(
        ParamsError::TooFewIterations(1000)
            .to_string()
            .contains("1000 is below the minimum of 600000")
    );
}

// ---------------------------------------------------------------------------------------
// Tampering, all on one file: 5 full chunks of 1024 bytes and a last chunk of 300.

const CHUNK: usize = 1024;
const FULL: usize = CHUNK + TAG_LEN;

struct Fixture {
    plain: Vec<u8>,
    file: Vec<u8>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let plain = bytes(5 * CHUNK + 300, 42);
        let file = encrypt(&plain, CHUNK as u32);
        assert_eq!(file.len(), HEADER_LEN + 5 * FULL + 300 + TAG_LEN);
        Fixture { plain, file }
    })
}

/// Byte offset of chunk `i`.
fn chunk_at(i: usize) -> usize {
    HEADER_LEN + i * FULL
}

/// Decrypts `file` both ways; checks both fail alike and released exactly the first
/// `good_chunks` chunks of plaintext; returns the error of `decrypt`.
fn fails(file: &[u8], password: &[u8], good_chunks: usize) -> DecryptError {
    let f = fixture();
    let released = &f.plain[..good_chunks * CHUNK];
    let (out, result) = decrypt_all(file, password);
    let err = result.expect_err("tampered file must not decrypt");
    assert!(
        out == released,
        "decrypt() released {} bytes, expected the {good_chunks} good chunk(s) ({} bytes): {err}",
        out.len(),
        released.len()
    );
    let (out, result) = read_all(file, password);
    let io_err = result.expect_err("tampered file must not read");
    assert_eq!(io_err.kind(), io::ErrorKind::InvalidData);
    let inner = io_err
        .get_ref()
        .and_then(|e| e.downcast_ref::<DecryptError>())
        .expect("the io::Error holds the DecryptError");
    assert_eq!(inner.to_string(), err.to_string());
    assert!(
        out == released,
        "Read released {} bytes, expected {}",
        out.len(),
        released.len()
    );
    err
}

fn assert_chunk_fails(err: &DecryptError, expected_chunk: u64) {
    match err {
        DecryptError::ChunkAuthentication { chunk, offset } => {
            assert_eq!(*chunk, expected_chunk, "{err}");
            assert_eq!(*offset, chunk_at(expected_chunk as usize) as u64);
            let msg = err.to_string();
            assert!(
                msg.contains(&format!("chunk {expected_chunk} "))
                    && msg.contains("failed authentication"),
                "{msg}"
            );
        }
        other => panic!("expected chunk {expected_chunk} to fail authentication, got: {other}"),
    }
}

#[test]
fn fixture_decrypts() {
    let f = fixture();
    let (out, result) = decrypt_all(&f.file, PASSWORD);
    assert_eq!(result.unwrap(), f.plain.len() as u64);
    assert!(out == f.plain);
}

#[test]
fn wrong_password_is_reported_before_any_chunk() {
    let f = fixture();
    let err = fails(&f.file, b"Role 2 exercise, 2024", 0);
    assert!(matches!(err, DecryptError::WrongPassword), "{err}");
    assert!(err.to_string().starts_with("wrong password"), "{err}");
    let err = fails(&f.file, b"", 0);
    assert!(matches!(err, DecryptError::WrongPassword), "{err}");
}

#[test]
fn truncation_inside_a_chunk_is_detected() {
    let f = fixture();
    let err = fails(&f.file[..chunk_at(3) + 500], PASSWORD, 3);
    assert_chunk_fails(&err, 3);
    // Cut inside the last chunk, and cut one byte short of the end.
    let err = fails(&f.file[..chunk_at(5) + 100], PASSWORD, 5);
    assert_chunk_fails(&err, 5);
    let err = fails(&f.file[..f.file.len() - 1], PASSWORD, 5);
    assert_chunk_fails(&err, 5);
    // Fewer bytes than a tag.
    let err = fails(&f.file[..chunk_at(5) + 10], PASSWORD, 5);
    assert!(
        matches!(
            err,
            DecryptError::TruncatedChunk {
                chunk: 5,
                bytes: 10,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn truncation_at_a_chunk_boundary_is_detected() {
    let f = fixture();
    // Dropping the last chunk: every full chunk verifies, but the file has no end.
    let err = fails(&f.file[..chunk_at(5)], PASSWORD, 5);
    assert!(
        matches!(err, DecryptError::MissingFinalChunk { chunks: 5 }),
        "{err}"
    );
    assert!(err.to_string().contains("truncated file"), "{err}");
    let err = fails(&f.file[..chunk_at(2)], PASSWORD, 2);
    assert!(
        matches!(err, DecryptError::MissingFinalChunk { chunks: 2 }),
        "{err}"
    );
    // Only the header.
    let err = fails(&f.file[..HEADER_LEN], PASSWORD, 0);
    assert!(
        matches!(err, DecryptError::MissingFinalChunk { chunks: 0 }),
        "{err}"
    );
}

#[test]
fn truncated_header_is_detected() {
    let f = fixture();
    for cut in [0, 5, 8, 30, HEADER_LEN - 1] {
        let err = fails(&f.file[..cut], PASSWORD, 0);
        match err {
            DecryptError::TruncatedHeader { got } => assert_eq!(got, cut),
            other => panic!("cut at {cut}: expected a truncated header, got: {other}"),
        }
        assert!(
            err.to_string()
                .contains(&format!("after {cut} of the 58 header bytes")),
            "{err}"
        );
    }
}

#[test]
fn reordered_or_duplicated_chunks_are_detected() {
    let f = fixture();
    let mut swapped = f.file.clone();
    let (a, b) = (chunk_at(1), chunk_at(2));
    let first = swapped[a..b].to_vec();
    swapped.copy_within(b..b + FULL, a);
    swapped[b..b + FULL].copy_from_slice(&first);
    let err = fails(&swapped, PASSWORD, 1);
    assert_chunk_fails(&err, 1);

    let mut duplicated = f.file.clone();
    duplicated.copy_within(chunk_at(3)..chunk_at(4), chunk_at(4));
    let err = fails(&duplicated, PASSWORD, 4);
    assert_chunk_fails(&err, 4);

    // A chunk dropped from the middle.
    let mut dropped = f.file.clone();
    dropped.drain(chunk_at(2)..chunk_at(3));
    let err = fails(&dropped, PASSWORD, 2);
    assert_chunk_fails(&err, 2);
}

#[test]
fn flipped_bits_in_chunks_are_detected() {
    let f = fixture();
    let cases = [
        (chunk_at(3) + 17, 3),        // ciphertext of chunk 3
        (chunk_at(0), 0),             // first ciphertext byte
        (chunk_at(1) - 1, 0),         // tag of chunk 0
        (chunk_at(4) + CHUNK + 5, 4), // tag of chunk 4
        (chunk_at(5) + 299, 5),       // last ciphertext byte of the last chunk
        (f.file.len() - 1, 5),        // last byte of the last tag
    ];
    for (pos, chunk) in cases {
        let mut file = f.file.clone();
        file[pos] ^= 0x10;
        let err = fails(&file, PASSWORD, chunk as usize);
        assert_chunk_fails(&err, chunk);
    }
}

#[test]
fn trailing_data_is_detected() {
    let f = fixture();
    let mut file = f.file.clone();
    file.push(0);
    let err = fails(&file, PASSWORD, 5);
    assert_chunk_fails(&err, 5);
    // Another whole chunk's worth after the end.
    let mut file = f.file.clone();
    file.extend_from_slice(&f.file[chunk_at(1)..chunk_at(2)]);
    let err = fails(&file, PASSWORD, 5);
    assert_chunk_fails(&err, 5);
}

#[test]
fn flipped_bits_in_the_header_are_detected() {
    let f = fixture();
    let flip = |pos: usize, mask: u8| {
        let mut file = f.file.clone();
        file[pos] ^= mask;
        fails(&file, PASSWORD, 0)
    };
    let err = flip(0, 0x01);
    assert!(matches!(err, DecryptError::NotMilmed), "{err}");
    let err = flip(7, 0x80);
    assert!(matches!(err, DecryptError::NotMilmed), "{err}");
    let err = flip(8, 0x02);
    assert!(matches!(err, DecryptError::UnsupportedVersion(3)), "{err}");
    assert!(err.to_string().contains("version 3"), "{err}");
    let err = flip(9, 0x04);
    assert!(matches!(err, DecryptError::UnsupportedKdf(5)), "{err}");
    let err = flip(10, 0x01);
    assert!(matches!(err, DecryptError::UnsupportedCipher(0)), "{err}");
    // 600,000 = 0x000927C0.
    let err = flip(13, 0x04); // 0x000923C0 = 598,976
    assert!(
        matches!(err, DecryptError::TooFewIterations(598_976)),
        "{err}"
    );
    assert!(
        err.to_string().contains("below the minimum of 600000"),
        "{err}"
    );
    let err = flip(11, 0x80); // 0x800927C0
    assert!(
        matches!(err, DecryptError::TooManyIterations(0x8009_27C0)),
        "{err}"
    );
    assert!(
        err.to_string().contains("above the maximum of 100000000"),
        "{err}"
    );
    let err = flip(14, 0x01); // 600,001 rounds: in range, but another key
    assert!(matches!(err, DecryptError::WrongPassword), "{err}");
    let err = flip(20, 0x40); // salt
    assert!(matches!(err, DecryptError::WrongPassword), "{err}");
    let err = flip(33, 0x01); // nonce prefix
    assert_chunk_fails(&err, 0);
    let err = flip(41, 0x01); // chunk size 1025
    assert_chunk_fails(&err, 0);
    let err = flip(39, 0x01); // chunk size 65,536 + 1024: the first read is short
    assert_chunk_fails(&err, 0);
    let err = flip(38, 0x02); // chunk size 32 MiB + 1024
    assert!(
        matches!(err, DecryptError::BadChunkSize(0x0200_0400)),
        "{err}"
    );
    let err = flip(50, 0x20); // key check
    assert!(matches!(err, DecryptError::WrongPassword), "{err}");
    let err = flip(HEADER_LEN - 1, 0x01); // key check, last byte
    assert!(matches!(err, DecryptError::WrongPassword), "{err}");

    let mut zero_chunk = f.file.clone();
    zero_chunk[38..42].fill(0);
    let err = fails(&zero_chunk, PASSWORD, 0);
    assert!(matches!(err, DecryptError::BadChunkSize(0)), "{err}");
    assert!(err.to_string().contains("must be 1 to 16777216"), "{err}");
}

#[test]
fn other_files_are_not_milmed_files() {
    let f = fixture();
    let ndjson = b"{\"id\":0,\"nationality\":\"POL\"}\n";
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(ndjson).unwrap();
    let gz = gz.finish().unwrap();
    for input in [&ndjson[..], &gz[..], b"abc", b"MILMEDX\0", b"M"] {
        let (out, result) = decrypt_all(input, PASSWORD);
        let err = result.unwrap_err();
        if input == b"M" {
            assert!(
                matches!(err, DecryptError::TruncatedHeader { got: 1 }),
                "{err}"
            );
        } else {
            assert!(matches!(err, DecryptError::NotMilmed), "{err}");
            assert!(
                err.to_string().starts_with("not a milmed encrypted file"),
                "{err}"
            );
        }
        assert!(out.is_empty());
    }
    // A plaintext prefix in front of a real file.
    let mut file = b"x".to_vec();
    file.extend_from_slice(&f.file);
    let err = fails(&file, PASSWORD, 0);
    assert!(matches!(err, DecryptError::NotMilmed), "{err}");
}

#[test]
fn errors_are_final() {
    let f = fixture();
    let mut file = f.file.clone();
    file[chunk_at(1) + 3] ^= 1;
    let mut reader = DecryptingReader::new(&file[..], PASSWORD).unwrap();
    assert_eq!(reader.next_chunk().unwrap().unwrap(), &f.plain[..CHUNK]);
    let err = reader.next_chunk().unwrap_err();
    assert_chunk_fails(&err, 1);
    let again = reader.next_chunk().unwrap_err();
    assert!(matches!(again, DecryptError::AfterFailure), "{again}");
    let err = reader.read(&mut [0u8; 16]).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
}

#[test]
fn decryption_streams_in_bounded_memory() {
    /// Counts how many bytes the reader has taken from the input.
    struct Counting<'a> {
        data: &'a [u8],
        taken: usize,
    }
    impl Read for Counting<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(self.data.len() - self.taken);
            buf[..n].copy_from_slice(&self.data[self.taken..self.taken + n]);
            self.taken += n;
            Ok(n)
        }
    }
    let f = fixture();
    let mut reader = DecryptingReader::new(
        Counting {
            data: &f.file,
            taken: 0,
        },
        PASSWORD,
    )
    .unwrap();
    assert_eq!(reader.get_ref().taken, HEADER_LEN);
    let mut byte = [0u8; 1];
    reader.read_exact(&mut byte).unwrap();
    assert_eq!(byte[0], f.plain[0]);
    assert_eq!(reader.get_ref().taken, HEADER_LEN + FULL, "reads one chunk");
    let mut rest = vec![0u8; CHUNK - 1];
    reader.read_exact(&mut rest).unwrap();
    assert_eq!(reader.get_ref().taken, HEADER_LEN + FULL);
    reader.read_exact(&mut byte).unwrap();
    assert_eq!(reader.get_ref().taken, HEADER_LEN + 2 * FULL);
}

// ---------------------------------------------------------------------------------------
// Writers that stop early or fail.

#[test]
fn a_writer_dropped_without_finish_leaves_a_truncated_file() {
    let mut file = Vec::new();
    {
        let mut writer = EncryptingWriter::with_params(&mut file, PASSWORD, params(100)).unwrap();
        writer.write_all(&bytes(250, 1)).unwrap();
    }
    assert_eq!(file.len(), HEADER_LEN + 2 * (100 + TAG_LEN));
    let (out, result) = decrypt_all(&file, PASSWORD);
    assert!(matches!(
        result,
        Err(DecryptError::MissingFinalChunk { chunks: 2 })
    ));
    assert_eq!(out, bytes(250, 1)[..200]);
}

#[test]
fn a_failing_inner_writer_poisons_the_writer() {
    /// Accepts `room` bytes, then fails.
    #[derive(Debug)]
    struct Full {
        room: usize,
    }
    impl Write for Full {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.room == 0 {
                return Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"));
            }
            let n = buf.len().min(self.room);
            self.room -= n;
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let err = EncryptingWriter::with_params(Full { room: 10 }, PASSWORD, params(100)).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::StorageFull);

    let mut writer = EncryptingWriter::with_params(
        Full {
            room: HEADER_LEN + 50,
        },
        PASSWORD,
        params(100),
    )
    .unwrap();
    let err = writer.write_all(&[7u8; 100]).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::StorageFull);
    let err = writer.write(b"more").unwrap_err();
    assert!(err.to_string().contains("failed earlier"), "{err}");
    assert!(writer.flush().is_err());
    let err = writer.finish().unwrap_err();
    assert!(err.to_string().contains("failed earlier"), "{err}");
}

// ---------------------------------------------------------------------------------------
// Through `Output`.

#[test]
fn output_encrypted_round_trips() {
    let encryption = Encryption::with_params(PASSWORD, params(4096)).unwrap();
    let plain = bytes(100_000, 5);
    let mut output = Output::new(Vec::new(), Compression::None, Some(&encryption)).unwrap();
    assert!(output.is_encrypted());
    assert_eq!(output.compression(), Compression::None);
    output.write_all(&plain).unwrap();
    output.flush().unwrap();
    let file = output.finish().unwrap();
    assert_eq!(file.len(), expected_len(plain.len(), 4096));
    let (out, result) = decrypt_all(&file, PASSWORD);
    result.unwrap();
    assert!(out == plain);
}

#[test]
fn output_gzip_then_encrypt_round_trips() {
    let encryption = Encryption::with_params(PASSWORD, params(512)).unwrap();
    let text: Vec<u8> = (0..20_000)
        .flat_map(|i| format!("{{\"id\":{i},\"triage\":\"T{}\"}}\n", i % 3 + 1).into_bytes())
        .collect();
    let mut output = Output::new(Vec::new(), Compression::Gzip, Some(&encryption)).unwrap();
    assert!(output.is_encrypted());
    output.write_all(&text).unwrap();
    let file = output.finish().unwrap();
    assert!(
        file.len() < text.len() / 4,
        "compressed before encryption: {} bytes for {}",
        file.len(),
        text.len()
    );

    // The decrypted bytes are exactly the deterministic gzip of the text.
    let mut gz = Output::new(Vec::new(), Compression::Gzip, None).unwrap();
    gz.write_all(&text).unwrap();
    let gz = gz.finish().unwrap();
    let (decrypted, result) = decrypt_all(&file, PASSWORD);
    result.unwrap();
    assert!(decrypted == gz, "decrypted bytes are not the gzip stream");

    // And a reader chain gives the text back.
    let reader = DecryptingReader::new(&file[..], PASSWORD).unwrap();
    let mut back = Vec::new();
    flate2::read::GzDecoder::new(reader)
        .read_to_end(&mut back)
        .unwrap();
    assert!(back == text);
}

#[test]
fn output_stopped_early_finishes_to_a_valid_file() {
    let encryption = Encryption::with_params(PASSWORD, params(1000)).unwrap();
    let text = bytes(50_000, 11);
    for compression in [Compression::None, Compression::Gzip] {
        let mut output = Output::new(Vec::new(), compression, Some(&encryption)).unwrap();
        // Stop in the middle of a chunk, as a cancelled run would.
        output.write_all(&text[..12_345]).unwrap();
        let file = output.finish().unwrap();
        let (decrypted, result) = decrypt_all(&file, PASSWORD);
        result.unwrap();
        let plain = match compression {
            Compression::None => decrypted,
            Compression::Gzip => {
                let mut plain = Vec::new();
                flate2::read::GzDecoder::new(&decrypted[..])
                    .read_to_end(&mut plain)
                    .unwrap();
                plain
            }
        };
        assert!(plain == text[..12_345], "{compression}");
    }
}

#[test]
fn output_dropped_without_finish_is_detected() {
    let encryption = Encryption::with_params(PASSWORD, params(1000)).unwrap();
    let mut file = Vec::new();
    {
        let mut output = Output::new(&mut file, Compression::Gzip, Some(&encryption)).unwrap();
        output.write_all(&bytes(30_000, 2)).unwrap();
    }
    let (_, result) = decrypt_all(&file, PASSWORD);
    assert!(
        matches!(result, Err(DecryptError::MissingFinalChunk { .. })),
        "{result:?}"
    );
}

#[test]
fn encryption_debug_hides_the_password() {
    let encryption = Encryption::new("super secret").unwrap();
    assert_eq!(encryption.password(), b"super secret");
    let shown = format!("{encryption:?}");
    assert!(!shown.contains("secret"), "{shown}");
    assert!(shown.contains("600000"), "{shown}");
}
