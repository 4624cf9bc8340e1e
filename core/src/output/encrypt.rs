//! Streaming, password-based encryption: AES-256-GCM in the STREAM construction, keyed
//! by PBKDF2-HMAC-SHA256. The public overview is in the `output` module's docs; the byte
//! layout in `docs/formats.md`.

use std::fmt;
use std::io::{self, Read, Write};

use aes_gcm::aead::KeyInit;
use aes_gcm::aead::generic_array::GenericArray;
use aes_gcm::aead::stream::{DecryptorBE32, EncryptorBE32};
use aes_gcm::{Aes256Gcm, Key};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

/// The first 8 bytes of every milmed encrypted file.
pub const MAGIC: [u8; 8] = *b"MILMEDE\0";
/// The format version this milmed writes and reads.
pub const FORMAT_VERSION: u8 = 1;
/// Header id of the key derivation: PBKDF2-HMAC-SHA256.
pub const KDF_PBKDF2_HMAC_SHA256: u8 = 1;
/// Header id of the cipher: AES-256-GCM in the STREAM construction, 32-bit big-endian
/// counter (`aead::stream::EncryptorBE32`).
pub const CIPHER_AES_256_GCM_STREAM_BE32: u8 = 1;
/// Fewest PBKDF2 rounds accepted, writing or reading (OWASP's figure for
/// PBKDF2-HMAC-SHA256).
pub const MIN_ITERATIONS: u32 = 600_000;
/// PBKDF2 rounds used unless told otherwise.
pub const DEFAULT_ITERATIONS: u32 = MIN_ITERATIONS;
/// Most PBKDF2 rounds accepted: more would take a minute or so to derive, and a header
/// asking for them is far more likely corrupt or hostile than careful.
pub const MAX_ITERATIONS: u32 = 100_000_000;
/// Plaintext bytes per chunk unless told otherwise (64 KiB).
pub const DEFAULT_CHUNK_SIZE: u32 = 64 * 1024;
/// Largest chunk size accepted (16 MiB); it bounds the memory a reader needs.
pub const MAX_CHUNK_SIZE: u32 = 16 * 1024 * 1024;
/// Bytes of PBKDF2 salt.
pub const SALT_LEN: usize = 16;
/// Bytes of the STREAM nonce prefix (the 96-bit GCM nonce less a 4-byte counter and a
/// 1-byte last-chunk flag).
pub const NONCE_PREFIX_LEN: usize = 7;
/// Bytes of the key-check value.
pub const KEY_CHECK_LEN: usize = 16;
/// Bytes of the authentication tag that ends every chunk.
pub const TAG_LEN: usize = 16;
/// Bytes of the header.
pub const HEADER_LEN: usize = 58;

// Header offsets (see docs/formats.md).
const OFF_VERSION: usize = 8;
const OFF_KDF: usize = 9;
const OFF_CIPHER: usize = 10;
const OFF_ITERATIONS: usize = 11;
const OFF_SALT: usize = 15;
const OFF_NONCE: usize = OFF_SALT + SALT_LEN;
const OFF_CHUNK_SIZE: usize = OFF_NONCE + NONCE_PREFIX_LEN;
const OFF_KEY_CHECK: usize = OFF_CHUNK_SIZE + 4;
const _: () = assert!(OFF_KEY_CHECK + KEY_CHECK_LEN == HEADER_LEN);

/// HKDF labels of the two values derived from the PBKDF2 output.
const INFO_KEY: &[u8] = b"milmed encryption v1: AES-256-GCM key";
const INFO_KEY_CHECK: &[u8] = b"milmed encryption v1: key check";

/// Settings of an encrypted file; the defaults are what [`EncryptingWriter::new`] uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EncryptionParams {
    /// PBKDF2-HMAC-SHA256 rounds, [`MIN_ITERATIONS`] to [`MAX_ITERATIONS`].
    pub iterations: u32,
    /// Plaintext bytes per chunk, 1 to [`MAX_CHUNK_SIZE`]. A reader holds one chunk in
    /// memory; each chunk adds a 16-byte tag to the file.
    pub chunk_size: u32,
}

impl Default for EncryptionParams {
    fn default() -> EncryptionParams {
        EncryptionParams {
            iterations: DEFAULT_ITERATIONS,
            chunk_size: DEFAULT_CHUNK_SIZE,
        }
    }
}

impl EncryptionParams {
    /// Checks both settings are in range.
    pub fn validate(&self) -> Result<(), ParamsError> {
        if self.iterations < MIN_ITERATIONS {
            return Err(ParamsError::TooFewIterations(self.iterations));
        }
        if self.iterations > MAX_ITERATIONS {
            return Err(ParamsError::TooManyIterations(self.iterations));
        }
        if self.chunk_size == 0 || self.chunk_size > MAX_CHUNK_SIZE {
            return Err(ParamsError::ChunkSize(self.chunk_size));
        }
        Ok(())
    }
}

/// Settings or a password that cannot be used to encrypt.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParamsError {
    /// The password is empty.
    #[error("the encryption password is empty")]
    EmptyPassword,
    /// Fewer PBKDF2 rounds than [`MIN_ITERATIONS`].
    #[error("PBKDF2 iteration count {0} is below the minimum of {MIN_ITERATIONS}")]
    TooFewIterations(u32),
    /// More PBKDF2 rounds than [`MAX_ITERATIONS`].
    #[error("PBKDF2 iteration count {0} is above the maximum of {MAX_ITERATIONS}")]
    TooManyIterations(u32),
    /// A chunk size of 0 or more than [`MAX_CHUNK_SIZE`].
    #[error("chunk size {0} is out of range: it must be 1 to {MAX_CHUNK_SIZE} bytes")]
    ChunkSize(u32),
}

impl From<ParamsError> for io::Error {
    fn from(e: ParamsError) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidInput, e)
    }
}

/// A password and the settings to encrypt with; the password is wiped from memory when
/// this is dropped, and never shown by `Debug`.
///
/// ```
/// use milmed_core::output::{Encryption, EncryptionParams, ParamsError};
///
/// let encryption = Encryption::new("correct horse").unwrap();
/// assert_eq!(encryption.params(), EncryptionParams::default());
/// assert_eq!(Encryption::new("").unwrap_err(), ParamsError::EmptyPassword);
/// assert!(!format!("{encryption:?}").contains("horse"));
/// ```
#[derive(Clone)]
pub struct Encryption {
    password: Zeroizing<Vec<u8>>,
    params: EncryptionParams,
}

impl Encryption {
    /// Encryption with `password` and the default settings.
    pub fn new(password: impl Into<Vec<u8>>) -> Result<Encryption, ParamsError> {
        Encryption::with_params(password, EncryptionParams::default())
    }

    /// Encryption with `password` and `params`.
    pub fn with_params(
        password: impl Into<Vec<u8>>,
        params: EncryptionParams,
    ) -> Result<Encryption, ParamsError> {
        let password = Zeroizing::new(password.into());
        if password.is_empty() {
            return Err(ParamsError::EmptyPassword);
        }
        params.validate()?;
        Ok(Encryption { password, params })
    }

    /// The settings.
    pub fn params(&self) -> EncryptionParams {
        self.params
    }

    /// The password.
    pub fn password(&self) -> &[u8] {
        &self.password
    }

    /// An encrypting writer over `inner` (derives the key: about a quarter of a second
    /// at the default iteration count).
    pub fn writer<W: Write>(&self, inner: W) -> io::Result<EncryptingWriter<W>> {
        EncryptingWriter::with_params(inner, &self.password, self.params)
    }
}

impl fmt::Debug for Encryption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Encryption")
            .field("password", &"<redacted>")
            .field("params", &self.params)
            .finish()
    }
}

/// PBKDF2 rounds actually run for a header's iteration count.
///
/// `cargo fuzz` builds everything with `--cfg fuzzing`; only then is the key derived
/// with one round, so the fuzzer can get past the key check thousands of times a second.
/// The header is still written and checked with the real count. No other build sets
/// this cfg, and no cargo feature can.
#[cfg(not(fuzzing))]
const fn kdf_rounds(iterations: u32) -> u32 {
    iterations
}

#[cfg(fuzzing)]
const fn kdf_rounds(_iterations: u32) -> u32 {
    1
}

/// The cipher and the key-check value for a password and salt.
fn derive(
    password: &[u8],
    salt: &[u8; SALT_LEN],
    iterations: u32,
) -> (Aes256Gcm, [u8; KEY_CHECK_LEN]) {
    let mut master = Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, kdf_rounds(iterations), &mut master[..]);
    let hkdf = Hkdf::<Sha256>::from_prk(&master[..]).expect("a 32-byte PRK is long enough");
    let mut key = Zeroizing::new([0u8; 32]);
    hkdf.expand(INFO_KEY, &mut key[..])
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    let mut check = [0u8; KEY_CHECK_LEN];
    hkdf.expand(INFO_KEY_CHECK, &mut check)
        .expect("16 bytes is a valid HKDF-SHA256 output length");
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key[..]));
    (cipher, check)
}

/// Compares without an early exit.
fn equal_ct(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub(crate) fn random_bytes<const N: usize>() -> io::Result<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| {
        io::Error::other(format!(
            "the operating system gave no random bytes for the salt and nonce: {e}"
        ))
    })?;
    Ok(bytes)
}

fn failed_earlier() -> io::Error {
    io::Error::other("the encrypting writer failed earlier; its output is incomplete")
}

/// Encrypts everything written to it into `inner`, chunk by chunk.
///
/// The header is written by the constructor; a chunk is sealed and written each time
/// `chunk_size` bytes have been written; [`finish`](Self::finish) seals the last (short,
/// possibly empty) chunk. A writer dropped without `finish` leaves a file that
/// decryption rejects as truncated. [`flush`](Write::flush) flushes `inner` but cannot
/// seal a partial chunk, so what has been flushed decrypts up to the last full chunk.
/// After an error from `inner` the writer refuses further use.
pub struct EncryptingWriter<W: Write> {
    inner: W,
    /// `None` once an error left the output incomplete.
    encryptor: Option<EncryptorBE32<Aes256Gcm>>,
    header: [u8; HEADER_LEN],
    /// Plaintext of the current chunk; sealed in place.
    buffer: Vec<u8>,
    chunk_size: usize,
    plaintext: u64,
}

impl<W: Write> EncryptingWriter<W> {
    /// A writer with the default settings ([`EncryptionParams::default`]); writes the
    /// header to `inner`. Fails on an empty password.
    pub fn new(inner: W, password: &[u8]) -> io::Result<EncryptingWriter<W>> {
        EncryptingWriter::with_params(inner, password, EncryptionParams::default())
    }

    /// A writer with explicit settings (checked by [`EncryptionParams::validate`]: fewer
    /// than [`MIN_ITERATIONS`] rounds are refused); writes the header to `inner`.
    pub fn with_params(
        inner: W,
        password: &[u8],
        params: EncryptionParams,
    ) -> io::Result<EncryptingWriter<W>> {
        EncryptingWriter::with_randomness(inner, password, params, random_bytes()?, random_bytes()?)
    }

    /// A writer with the salt and nonce prefix given: for callers that draw them from a
    /// cryptographic generator of their own, seeded by the operating system (encrypted
    /// NDEF tags, whose encoder cannot fail per patient).
    pub(crate) fn with_randomness(
        mut inner: W,
        password: &[u8],
        params: EncryptionParams,
        salt: [u8; SALT_LEN],
        nonce_prefix: [u8; NONCE_PREFIX_LEN],
    ) -> io::Result<EncryptingWriter<W>> {
        if password.is_empty() {
            return Err(ParamsError::EmptyPassword.into());
        }
        params.validate()?;
        let (cipher, key_check) = derive(password, &salt, params.iterations);

        let mut header = [0u8; HEADER_LEN];
        header[..OFF_VERSION].copy_from_slice(&MAGIC);
        header[OFF_VERSION] = FORMAT_VERSION;
        header[OFF_KDF] = KDF_PBKDF2_HMAC_SHA256;
        header[OFF_CIPHER] = CIPHER_AES_256_GCM_STREAM_BE32;
        header[OFF_ITERATIONS..OFF_SALT].copy_from_slice(&params.iterations.to_be_bytes());
        header[OFF_SALT..OFF_NONCE].copy_from_slice(&salt);
        header[OFF_NONCE..OFF_CHUNK_SIZE].copy_from_slice(&nonce_prefix);
        header[OFF_CHUNK_SIZE..OFF_KEY_CHECK].copy_from_slice(&params.chunk_size.to_be_bytes());
        header[OFF_KEY_CHECK..].copy_from_slice(&key_check);
        inner.write_all(&header)?;

        let chunk_size = params.chunk_size as usize;
        Ok(EncryptingWriter {
            inner,
            encryptor: Some(EncryptorBE32::from_aead(
                cipher,
                GenericArray::from_slice(&nonce_prefix),
            )),
            header,
            buffer: Vec::with_capacity(chunk_size + TAG_LEN),
            chunk_size,
            plaintext: 0,
        })
    }

    /// Plaintext bytes accepted so far.
    pub fn plaintext_bytes(&self) -> u64 {
        self.plaintext
    }

    /// The underlying writer.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// Seals the full buffer as a non-last chunk and writes it.
    fn seal_chunk(&mut self) -> io::Result<()> {
        let Some(encryptor) = self.encryptor.as_mut() else {
            return Err(failed_earlier());
        };
        if encryptor
            .encrypt_next_in_place(&self.header, &mut self.buffer)
            .is_err()
        {
            self.encryptor = None;
            return Err(io::Error::other(format!(
                "encrypted output too long: a file holds at most {} full chunks of {} bytes",
                u32::MAX,
                self.chunk_size
            )));
        }
        if let Err(e) = self.inner.write_all(&self.buffer) {
            self.encryptor = None;
            return Err(e);
        }
        self.buffer.clear();
        Ok(())
    }

    /// Seals the last chunk, flushes, and returns the underlying writer.
    pub fn finish(mut self) -> io::Result<W> {
        let Some(encryptor) = self.encryptor.take() else {
            return Err(failed_earlier());
        };
        encryptor
            .encrypt_last_in_place(&self.header, &mut self.buffer)
            .map_err(|_| io::Error::other("sealing the last chunk failed"))?;
        self.inner.write_all(&self.buffer)?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for EncryptingWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.encryptor.is_none() {
            return Err(failed_earlier());
        }
        let n = (self.chunk_size - self.buffer.len()).min(data.len());
        self.buffer.extend_from_slice(&data[..n]);
        self.plaintext += n as u64;
        // A full chunk is sealed at once: the last chunk is then always the short one.
        if self.buffer.len() == self.chunk_size {
            self.seal_chunk()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.encryptor.is_none() {
            return Err(failed_earlier());
        }
        self.inner.flush()
    }
}

impl<W: Write> fmt::Debug for EncryptingWriter<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncryptingWriter")
            .field("chunk_size", &self.chunk_size)
            .field("plaintext", &self.plaintext)
            .field("failed", &self.encryptor.is_none())
            .finish_non_exhaustive()
    }
}

/// Why an encrypted file could not be decrypted.
///
/// Chunks are numbered from 0; a chunk's byte offset counts from the start of the file
/// (the header included).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecryptError {
    /// The input does not start with [`MAGIC`].
    #[error("not a milmed encrypted file: it does not start with the magic bytes `MILMEDE\\0`")]
    NotMilmed,
    /// The input ends inside the header.
    #[error("truncated header: the input ends after {got} of the {HEADER_LEN} header bytes")]
    TruncatedHeader {
        /// Bytes there were.
        got: usize,
    },
    /// A format version other than [`FORMAT_VERSION`].
    #[error(
        "unsupported milmed encryption format version {0}; this milmed reads version {FORMAT_VERSION}"
    )]
    UnsupportedVersion(u8),
    /// A key-derivation id other than [`KDF_PBKDF2_HMAC_SHA256`].
    #[error(
        "unsupported key derivation id {0} in the header; this milmed knows {KDF_PBKDF2_HMAC_SHA256} (PBKDF2-HMAC-SHA256)"
    )]
    UnsupportedKdf(u8),
    /// A cipher id other than [`CIPHER_AES_256_GCM_STREAM_BE32`].
    #[error(
        "unsupported cipher id {0} in the header; this milmed knows {CIPHER_AES_256_GCM_STREAM_BE32} (AES-256-GCM, STREAM BE32)"
    )]
    UnsupportedCipher(u8),
    /// The header asks for fewer PBKDF2 rounds than [`MIN_ITERATIONS`].
    #[error(
        "PBKDF2 iteration count {0} in the header is below the minimum of {MIN_ITERATIONS}: not a file milmed wrote, or a corrupted header"
    )]
    TooFewIterations(u32),
    /// The header asks for more PBKDF2 rounds than [`MAX_ITERATIONS`].
    #[error(
        "PBKDF2 iteration count {0} in the header is above the maximum of {MAX_ITERATIONS} (deriving the key would take minutes): a corrupted header?"
    )]
    TooManyIterations(u32),
    /// The header's chunk size is 0 or above [`MAX_CHUNK_SIZE`].
    #[error("chunk size {0} in the header is out of range: it must be 1 to {MAX_CHUNK_SIZE} bytes")]
    BadChunkSize(u32),
    /// The password does not give the header's key-check value.
    #[error(
        "wrong password (the key check in the header does not match; a corrupted salt or key check would look the same)"
    )]
    WrongPassword,
    /// A chunk's tag did not verify; none of its plaintext was released.
    #[error(
        "chunk {chunk} (at byte {offset}) failed authentication: the file was modified, truncated or its chunks reordered; nothing of this chunk was output"
    )]
    ChunkAuthentication {
        /// Chunk number, from 0.
        chunk: u64,
        /// Byte offset of the chunk in the file.
        offset: u64,
    },
    /// The file ends inside a chunk's tag.
    #[error(
        "truncated file: chunk {chunk} (at byte {offset}) has only {bytes} bytes, fewer than its {TAG_LEN}-byte tag"
    )]
    TruncatedChunk {
        /// Chunk number, from 0.
        chunk: u64,
        /// Byte offset of the chunk in the file.
        offset: u64,
        /// Bytes there were.
        bytes: usize,
    },
    /// The file ends after a full chunk: the short, last chunk is missing.
    #[error(
        "truncated file: it ends after {chunks} full chunk(s) without the final chunk (cut at a chunk boundary, or the writer was never finished)"
    )]
    MissingFinalChunk {
        /// Full chunks read (and released) before the end.
        chunks: u64,
    },
    /// More chunks than the 32-bit STREAM counter can number.
    #[error("too many chunks: a file holds at most {} full chunks", u32::MAX)]
    TooManyChunks,
    /// Reading the encrypted input failed.
    #[error("reading the encrypted input failed: {0}")]
    Read(#[source] io::Error),
    /// Writing the decrypted output failed (only from [`decrypt`]).
    #[error("writing the decrypted output failed: {0}")]
    Write(#[source] io::Error),
    /// A read after an earlier error.
    #[error("decryption failed earlier; nothing more is released")]
    AfterFailure,
}

impl From<DecryptError> for io::Error {
    /// A read error of the input stays what it was; anything else is `InvalidData`
    /// with the [`DecryptError`] inside.
    fn from(e: DecryptError) -> io::Error {
        match e {
            DecryptError::Read(e) => e,
            other => io::Error::new(io::ErrorKind::InvalidData, other),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Reading,
    Done,
    Failed,
}

/// Decrypts a file written by [`EncryptingWriter`], chunk by chunk.
///
/// The constructor reads and checks the header and the password; then
/// [`Read`] (or [`next_chunk`](Self::next_chunk)) hands out plaintext one verified chunk
/// at a time. A chunk's plaintext is released only after its tag verifies, so on any
/// error what was read is exactly the chunks before the bad one. A read error is an
/// [`io::Error`] of kind `InvalidData` holding the [`DecryptError`] (a read error of the
/// input itself is passed on as it was); any error is final.
pub struct DecryptingReader<R: Read> {
    inner: R,
    /// `None` after the last chunk.
    decryptor: Option<DecryptorBE32<Aes256Gcm>>,
    header: [u8; HEADER_LEN],
    iterations: u32,
    chunk_size: usize,
    /// Verified plaintext of the current chunk (ciphertext only while it is verified).
    buffer: Vec<u8>,
    /// Next byte of `buffer` to hand out.
    pos: usize,
    /// Number of the next chunk to read.
    chunk: u64,
    state: State,
}

impl<R: Read> DecryptingReader<R> {
    /// Reads the header from `inner`, checks it, derives the key from `password` and
    /// checks it against the header's key check.
    pub fn new(mut inner: R, password: &[u8]) -> Result<DecryptingReader<R>, DecryptError> {
        let mut head = Vec::with_capacity(HEADER_LEN);
        let got = read_up_to(&mut inner, &mut head, HEADER_LEN).map_err(DecryptError::Read)?;
        if !MAGIC.starts_with(&head[..got.min(MAGIC.len())]) {
            return Err(DecryptError::NotMilmed);
        }
        if got > OFF_VERSION && head[OFF_VERSION] != FORMAT_VERSION {
            return Err(DecryptError::UnsupportedVersion(head[OFF_VERSION]));
        }
        let Ok(header) = <[u8; HEADER_LEN]>::try_from(&head[..]) else {
            return Err(DecryptError::TruncatedHeader { got });
        };
        if header[OFF_KDF] != KDF_PBKDF2_HMAC_SHA256 {
            return Err(DecryptError::UnsupportedKdf(header[OFF_KDF]));
        }
        if header[OFF_CIPHER] != CIPHER_AES_256_GCM_STREAM_BE32 {
            return Err(DecryptError::UnsupportedCipher(header[OFF_CIPHER]));
        }
        let iterations = u32::from_be_bytes(field(&header, OFF_ITERATIONS));
        if iterations < MIN_ITERATIONS {
            return Err(DecryptError::TooFewIterations(iterations));
        }
        if iterations > MAX_ITERATIONS {
            return Err(DecryptError::TooManyIterations(iterations));
        }
        let chunk_size = u32::from_be_bytes(field(&header, OFF_CHUNK_SIZE));
        if chunk_size == 0 || chunk_size > MAX_CHUNK_SIZE {
            return Err(DecryptError::BadChunkSize(chunk_size));
        }
        let salt: [u8; SALT_LEN] = field(&header, OFF_SALT);
        let nonce_prefix: [u8; NONCE_PREFIX_LEN] = field(&header, OFF_NONCE);
        let (cipher, key_check) = derive(password, &salt, iterations);
        if !equal_ct(&key_check, &header[OFF_KEY_CHECK..]) {
            return Err(DecryptError::WrongPassword);
        }
        Ok(DecryptingReader {
            inner,
            decryptor: Some(DecryptorBE32::from_aead(
                cipher,
                GenericArray::from_slice(&nonce_prefix),
            )),
            header,
            iterations,
            chunk_size: chunk_size as usize,
            buffer: Vec::new(),
            pos: 0,
            chunk: 0,
            state: State::Reading,
        })
    }

    /// The PBKDF2 iteration count of the file.
    pub fn iterations(&self) -> u32 {
        self.iterations
    }

    /// The plaintext chunk size of the file.
    pub fn chunk_size(&self) -> u32 {
        self.chunk_size as u32
    }

    /// Verified plaintext not yet read: the rest of the current chunk if [`Read`] left
    /// some, otherwise the next non-empty chunk; `None` after the last chunk.
    pub fn next_chunk(&mut self) -> Result<Option<&[u8]>, DecryptError> {
        while self.pos >= self.buffer.len() {
            match self.state {
                State::Done => return Ok(None),
                State::Failed => return Err(DecryptError::AfterFailure),
                State::Reading => {}
            }
            if let Err(e) = self.read_chunk() {
                // The buffer may hold unverified bytes: never hand them out.
                self.buffer.clear();
                self.pos = 0;
                self.decryptor = None;
                self.state = State::Failed;
                return Err(e);
            }
        }
        let start = self.pos;
        self.pos = self.buffer.len();
        Ok(Some(&self.buffer[start..]))
    }

    /// Reads and verifies the next chunk into `buffer`.
    fn read_chunk(&mut self) -> Result<(), DecryptError> {
        let full = self.chunk_size + TAG_LEN;
        let chunk = self.chunk;
        let offset = HEADER_LEN as u64 + chunk * full as u64;
        self.buffer.clear();
        self.pos = 0;
        if self.buffer.capacity() < full {
            // Grown once, to the chunk size the header was checked to allow.
            self.buffer.reserve_exact(full);
        }
        let n = read_up_to(&mut self.inner, &mut self.buffer, full).map_err(DecryptError::Read)?;
        let authentication = DecryptError::ChunkAuthentication { chunk, offset };
        if n == full {
            // Only the last chunk is short: a full one is never last.
            if chunk >= u64::from(u32::MAX) {
                return Err(DecryptError::TooManyChunks);
            }
            let decryptor = self.decryptor.as_mut().ok_or(DecryptError::AfterFailure)?;
            decryptor
                .decrypt_next_in_place(&self.header, &mut self.buffer)
                .map_err(|_| authentication)?;
        } else if n == 0 {
            return Err(DecryptError::MissingFinalChunk { chunks: chunk });
        } else if n < TAG_LEN {
            return Err(DecryptError::TruncatedChunk {
                chunk,
                offset,
                bytes: n,
            });
        } else {
            // Short: the last chunk, and the input has ended (`read_up_to` stopped early).
            let decryptor = self.decryptor.take().ok_or(DecryptError::AfterFailure)?;
            decryptor
                .decrypt_last_in_place(&self.header, &mut self.buffer)
                .map_err(|_| authentication)?;
            self.state = State::Done;
        }
        self.chunk += 1;
        Ok(())
    }

    /// The underlying reader.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }
}

impl<R: Read> Read for DecryptingReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        if self.pos >= self.buffer.len() {
            match self.next_chunk()? {
                None => return Ok(0),
                // `next_chunk` marked the chunk consumed: hand it out from `buffer`.
                Some(chunk) => {
                    let len = chunk.len();
                    self.pos = self.buffer.len() - len;
                }
            }
        }
        let n = out.len().min(self.buffer.len() - self.pos);
        out[..n].copy_from_slice(&self.buffer[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl<R: Read> fmt::Debug for DecryptingReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecryptingReader")
            .field("iterations", &self.iterations)
            .field("chunk_size", &self.chunk_size)
            .field("next_chunk", &self.chunk)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

/// Decrypts all of `input` into `output`; returns the plaintext bytes written.
///
/// On an error, `output` holds exactly the chunks that verified before it.
///
/// ```
/// use std::io::Write;
/// use milmed_core::output::{DecryptError, EncryptingWriter, decrypt};
///
/// let mut writer = EncryptingWriter::new(Vec::new(), b"pw")?;
/// writer.write_all(b"hello")?;
/// let file = writer.finish()?;
///
/// let mut plain = Vec::new();
/// assert_eq!(decrypt(&file[..], &mut plain, b"pw")?, 5);
/// assert_eq!(plain, b"hello");
/// assert!(matches!(
///     decrypt(&file[..], Vec::new(), b"not pw"),
///     Err(DecryptError::WrongPassword)
/// ));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn decrypt<R: Read, W: Write>(
    input: R,
    mut output: W,
    password: &[u8],
) -> Result<u64, DecryptError> {
    let mut reader = DecryptingReader::new(input, password)?;
    let mut total = 0u64;
    while let Some(chunk) = reader.next_chunk()? {
        output.write_all(chunk).map_err(DecryptError::Write)?;
        total += chunk.len() as u64;
    }
    output.flush().map_err(DecryptError::Write)?;
    Ok(total)
}

/// Appends up to `limit` bytes of `reader` to `buf`; fewer only at the end of input.
fn read_up_to<R: Read>(reader: &mut R, buf: &mut Vec<u8>, limit: usize) -> io::Result<usize> {
    Read::take(reader, limit as u64).read_to_end(buf)
}

/// A fixed-size field of the header.
fn field<const N: usize>(header: &[u8; HEADER_LEN], offset: usize) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(&header[offset..offset + N]);
    out
}
