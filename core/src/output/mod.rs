//! Where formatted bytes go: plain, gzip-compressed, encrypted, or both.
//!
//! [`Output`] is a [`Write`] sink chain over any writer: a caller (usually a
//! [`PatientWriter`](crate::format::PatientWriter)) writes formatted bytes into it, and
//! [`Output::finish`] ends the gzip stream and seals the last encrypted chunk. With both,
//! the bytes are compressed first, then encrypted (compressing ciphertext gains nothing).
//! Stopping early and calling `finish` always gives a complete, valid file of what was
//! written so far.
//!
//! ```
//! use std::io::Read;
//! use milmed_core::format::{Format, PatientWriter};
//! use milmed_core::output::{Compression, Output};
//! use milmed_core::{Generator, Scenario};
//!
//! let generator = Generator::new(&Scenario::preset("training_exercise")?, 1)?;
//! let sink = Output::new(Vec::new(), Compression::Gzip, None)?;
//! let mut writer = PatientWriter::new(Format::Ndjson.encoder(&generator), sink);
//! writer.write_batch(&generator.patients().collect::<Vec<_>>())?;
//! let gz = writer.finish()?.inner.finish()?;
//!
//! let mut text = String::new();
//! flate2::read::GzDecoder::new(&gz[..]).read_to_string(&mut text)?;
//! assert_eq!(text.lines().count(), 100);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Plain and gzip output are deterministic: the same bytes in give the same bytes out.
//!
//! # Encryption
//!
//! [`EncryptingWriter`] encrypts with a password; [`DecryptingReader`] and [`decrypt`]
//! read it back. A file is a [`HEADER_LEN`]-byte header followed by chunks. The key is
//! derived from the password with PBKDF2-HMAC-SHA256 (at least [`MIN_ITERATIONS`]
//! rounds, a random 16-byte salt); each chunk of plaintext is sealed by AES-256-GCM with
//! the nonce of the STREAM construction (`aead::stream::EncryptorBE32`: a random 7-byte
//! prefix, a 32-bit big-endian chunk counter and a last-chunk flag) and the whole header
//! as associated data. Every chunk holds exactly the chunk size of plaintext except the
//! last, which is shorter (possibly empty) and sealed as last: so reordering, dropping,
//! duplicating or cutting chunks — even at a chunk boundary — is detected. The byte
//! layout is in `docs/formats.md`.
//!
//! Decryption reads and verifies one chunk at a time; plaintext of a chunk is released
//! only after its tag verifies, and memory stays bounded by the chunk size. A wrong
//! password is reported as [`DecryptError::WrongPassword`] before any chunk is tried.
//!
//! ```
//! use std::io::{Read, Write};
//! use milmed_core::output::{DecryptingReader, EncryptingWriter};
//!
//! let mut writer = EncryptingWriter::new(Vec::new(), b"correct horse")?;
//! writer.write_all(b"casualty data")?;
//! let file = writer.finish()?;
//!
//! let mut reader = DecryptingReader::new(&file[..], b"correct horse")?;
//! let mut plain = String::new();
//! reader.read_to_string(&mut plain)?;
//! assert_eq!(plain, "casualty data");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Unlike every other output of milmed, encrypted bytes are **not deterministic**: the
//! salt and the nonce prefix are fresh random bytes from the operating system for each
//! file, so encrypting the same run twice gives different files (that decrypt to the
//! same bytes).

pub(crate) mod encrypt;
mod partial;

use std::fmt;
use std::io::{self, Write};
use std::str::FromStr;

use flate2::GzBuilder;
use flate2::write::GzEncoder;

pub use encrypt::{
    CIPHER_AES_256_GCM_STREAM_BE32, DEFAULT_CHUNK_SIZE, DEFAULT_ITERATIONS, DecryptError,
    DecryptingReader, EncryptingWriter, Encryption, EncryptionParams, FORMAT_VERSION, HEADER_LEN,
    KDF_PBKDF2_HMAC_SHA256, KEY_CHECK_LEN, MAGIC, MAX_CHUNK_SIZE, MAX_ITERATIONS, MIN_ITERATIONS,
    NONCE_PREFIX_LEN, ParamsError, SALT_LEN, TAG_LEN, decrypt,
};
pub use partial::{Access, Partial, remove_partial};

/// The deflate level of [`Compression::Gzip`]: 6, zlib's default balance of size and
/// speed.
pub const GZIP_LEVEL: u32 = 6;

/// Usual file extension added after the format's for encrypted output.
pub const ENCRYPTED_EXTENSION: &str = "enc";

/// Compression of the output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Compression {
    /// As written.
    #[default]
    None,
    /// A gzip member (RFC 1952) at [`GZIP_LEVEL`], deterministic: modification time 0,
    /// no file name, operating system "unknown" (255). The same input gives the same
    /// bytes with the same milmed version.
    Gzip,
}

impl Compression {
    /// Every compression.
    pub const ALL: &'static [Compression] = &[Compression::None, Compression::Gzip];

    /// Name used on the command line and in APIs.
    pub const fn as_str(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
        }
    }

    /// The names of every compression, comma-separated (for messages).
    pub fn names() -> String {
        Compression::ALL
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Usual file extension added after the format's (`gz`), if any.
    pub const fn extension(self) -> Option<&'static str> {
        match self {
            Compression::None => None,
            Compression::Gzip => Some("gz"),
        }
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A compression name that is not one of [`Compression::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown compression `{0}`; allowed: {allowed}", allowed = Compression::names())]
pub struct UnknownCompression(pub String);

impl FromStr for Compression {
    type Err = UnknownCompression;

    fn from_str(s: &str) -> Result<Compression, UnknownCompression> {
        Compression::ALL
            .iter()
            .copied()
            .find(|c| c.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownCompression(s.to_owned()))
    }
}

pub(crate) fn gzip<W: Write>(inner: W) -> GzEncoder<W> {
    GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(inner, flate2::Compression::new(GZIP_LEVEL))
}

enum Sink<W: Write> {
    Plain(W),
    Gzip(GzEncoder<W>),
    Encrypted(EncryptingWriter<W>),
    GzipEncrypted(GzEncoder<EncryptingWriter<W>>),
}

/// The sink chain formatted bytes are written into: plain, gzip, encrypted, or gzip then
/// encrypted.
///
/// [`flush`](Write::flush) passes on what is complete and flushes the writer, but
/// neither ends a deflate block nor seals a partial chunk: the bytes depend only on what
/// was written, never on when it was flushed. Call [`finish`](Output::finish) at the end
/// (also after stopping early); an `Output` dropped without it leaves encrypted output
/// that decryption rejects as truncated.
pub struct Output<W: Write> {
    sink: Sink<W>,
    compression: Compression,
}

impl<W: Write> Output<W> {
    /// The chain over `inner`. With encryption the key is derived here (about a quarter
    /// of a second at the default iteration count) and the header written.
    pub fn new(
        inner: W,
        compression: Compression,
        encryption: Option<&Encryption>,
    ) -> io::Result<Output<W>> {
        let sink = match (compression, encryption) {
            (Compression::None, None) => Sink::Plain(inner),
            (Compression::Gzip, None) => Sink::Gzip(gzip(inner)),
            (Compression::None, Some(e)) => Sink::Encrypted(e.writer(inner)?),
            (Compression::Gzip, Some(e)) => Sink::GzipEncrypted(gzip(e.writer(inner)?)),
        };
        Ok(Output { sink, compression })
    }

    /// Bytes passed through unchanged.
    pub fn plain(inner: W) -> Output<W> {
        Output {
            sink: Sink::Plain(inner),
            compression: Compression::None,
        }
    }

    /// The compression.
    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// Whether the output is encrypted.
    pub fn is_encrypted(&self) -> bool {
        matches!(self.sink, Sink::Encrypted(_) | Sink::GzipEncrypted(_))
    }

    /// The underlying writer.
    pub fn get_ref(&self) -> &W {
        match &self.sink {
            Sink::Plain(w) => w,
            Sink::Gzip(gz) => gz.get_ref(),
            Sink::Encrypted(enc) => enc.get_ref(),
            Sink::GzipEncrypted(gz) => gz.get_ref().get_ref(),
        }
    }

    /// Ends the gzip stream, seals the last encrypted chunk, flushes, and returns the
    /// underlying writer.
    pub fn finish(self) -> io::Result<W> {
        match self.sink {
            Sink::Plain(mut w) => {
                w.flush()?;
                Ok(w)
            }
            Sink::Gzip(gz) => {
                let mut w = gz.finish()?;
                w.flush()?;
                Ok(w)
            }
            Sink::Encrypted(enc) => enc.finish(),
            Sink::GzipEncrypted(gz) => gz.finish()?.finish(),
        }
    }
}

impl<W: Write> Write for Output<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        match &mut self.sink {
            Sink::Plain(w) => w.write(data),
            Sink::Gzip(gz) => gz.write(data),
            Sink::Encrypted(enc) => enc.write(data),
            Sink::GzipEncrypted(gz) => gz.write(data),
        }
    }

    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        match &mut self.sink {
            Sink::Plain(w) => w.write_all(data),
            Sink::Gzip(gz) => gz.write_all(data),
            Sink::Encrypted(enc) => enc.write_all(data),
            Sink::GzipEncrypted(gz) => gz.write_all(data),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        // `GzEncoder::flush` would end a deflate block (a sync flush), making the bytes
        // depend on when flushes happen: flush only what lies below it.
        match &mut self.sink {
            Sink::Plain(w) => w.flush(),
            Sink::Gzip(gz) => gz.get_mut().flush(),
            Sink::Encrypted(enc) => enc.flush(),
            Sink::GzipEncrypted(gz) => gz.get_mut().flush(),
        }
    }
}

impl<W: Write> fmt::Debug for Output<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Output")
            .field("compression", &self.compression)
            .field("encrypted", &self.is_encrypted())
            .finish_non_exhaustive()
    }
}
