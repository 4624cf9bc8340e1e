//! NFC Data Exchange Format (NDEF): one message per patient, for NFC casualty tags.
//!
//! Each message is a single MIME-media record (TNF `0x02`) as the NFC Forum *NFC Data
//! Exchange Format* technical specification (NDEF 1.0) lays it out:
//!
//! ```text
//! byte 0      MB=1 ME=1 CF=0 SR IL=0 TNF=010   (0xD2 short record, 0xC2 normal)
//! byte 1      TYPE_LENGTH
//! 1 or 4      PAYLOAD_LENGTH (1 byte when SR=1, else u32 big-endian)
//! TYPE        the MIME type, ASCII
//! PAYLOAD     the patient's JSON record, plain, gzip-compressed, encrypted, or both
//! ```
//!
//! The short-record form (`SR=1`) is used exactly when the payload is under 256 bytes,
//! which a full record never is but a compressed one may be on a future, slimmer payload.
//! The MIME types are those the ancestor project announced for its NFC samples
//! (`application/x.ips.v1-0` and variants), so readers written for it recognise ours.

use std::io::{self, Write};

use std::sync::Mutex;

use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};

use super::{Encoder, RenderContext, write_record};
use crate::output::encrypt::{EncryptingWriter, random_bytes};
use crate::output::{Compression, Encryption, NONCE_PREFIX_LEN, Output, SALT_LEN, gzip};
use crate::patient::Patient;

/// NDEF record header flag: first record of the message (Message Begin).
pub const MB: u8 = 0x80;
/// NDEF record header flag: last record of the message (Message End).
pub const ME: u8 = 0x40;
/// NDEF record header flag: chunked record (never set by milmed).
pub const CF: u8 = 0x20;
/// NDEF record header flag: short record, one-byte payload length.
pub const SR: u8 = 0x10;
/// NDEF record header flag: an ID_LENGTH field and an ID are present (never set by milmed).
pub const IL: u8 = 0x08;
/// Type Name Format of a MIME-media record (RFC 2046 media type).
pub const TNF_MIME_MEDIA: u8 = 0x02;

/// The record's MIME type for a payload packed with `compression` and, when `encrypted`,
/// milmed's encryption (the layout of `docs/formats.md`).
pub const fn mime_type(compression: Compression, encrypted: bool) -> &'static str {
    match (compression, encrypted) {
        (Compression::None, false) => "application/x.ips.v1-0",
        (Compression::Gzip, false) => "application/x.ips.gzip.v1-0",
        (Compression::None, true) => "application/x.ips.aes256.v1-0",
        (Compression::Gzip, true) => "application/x.ips.gzip.aes256.v1-0",
    }
}

/// Appends one NDEF message holding a single MIME-media record.
///
/// ```
/// let mut out = Vec::new();
/// milmed_core::format::ndef::write_message("text/plain", b"hi", &mut out);
/// assert_eq!(out, [0xD2, 10, 2, b't', b'e', b'x', b't', b'/', b'p', b'l', b'a', b'i', b'n', b'h', b'i']);
/// ```
///
/// # Panics
///
/// When the type is longer than 255 bytes or the payload longer than `u32::MAX` bytes,
/// which the format cannot express; milmed's types and payloads are far smaller.
pub fn write_message(mime_type: &str, payload: &[u8], out: &mut Vec<u8>) {
    let type_length = u8::try_from(mime_type.len()).expect("an NDEF type fits in 255 bytes");
    let short = payload.len() < 256;
    out.push(MB | ME | if short { SR } else { 0 } | TNF_MIME_MEDIA);
    out.push(type_length);
    if short {
        out.push(payload.len() as u8);
    } else {
        let length = u32::try_from(payload.len()).expect("an NDEF payload fits in 4 GiB");
        out.extend_from_slice(&length.to_be_bytes());
    }
    out.extend_from_slice(mime_type.as_bytes());
    out.extend_from_slice(payload);
}

/// Encodes each patient as one NDEF message (see the [module docs](self)), its payload
/// the JSON record, plain, gzip-compressed, encrypted, or both.
///
/// Messages are self-delimiting but not meant to be concatenated: the CLI writes one
/// `.ndef` file per patient, as an NFC tag holds one message.
pub struct NdefEncoder {
    ctx: RenderContext,
    compression: Compression,
    encryption: Option<TagEncryption>,
}

/// Encryption of each tag's payload: a whole encrypted file per tag, so any one tag
/// decrypts alone. Its salt and nonce prefix come from a ChaCha20 generator seeded once
/// by the operating system, so that encoding a patient cannot fail.
struct TagEncryption {
    encryption: Encryption,
    random: Mutex<ChaCha20Rng>,
}

impl NdefEncoder {
    /// An encoder compressing the payload with `compression`.
    pub fn new(ctx: RenderContext, compression: Compression) -> NdefEncoder {
        NdefEncoder {
            ctx,
            compression,
            encryption: None,
        }
    }

    /// An encoder compressing, then encrypting each payload. Each tag derives its own key
    /// (fresh salt): about 0.1 s per patient at the default iteration count. Fails only if
    /// the operating system gives no random bytes.
    pub fn encrypted(
        ctx: RenderContext,
        compression: Compression,
        encryption: Encryption,
    ) -> io::Result<NdefEncoder> {
        let random = Mutex::new(ChaCha20Rng::from_seed(random_bytes()?));
        Ok(NdefEncoder {
            ctx,
            compression,
            encryption: Some(TagEncryption { encryption, random }),
        })
    }

    /// The record's MIME type.
    pub fn mime_type(&self) -> &'static str {
        mime_type(self.compression, self.encryption.is_some())
    }

    fn pack(&self, record: &[u8]) -> io::Result<Vec<u8>> {
        let Some(tag) = &self.encryption else {
            let mut packed =
                Output::new(Vec::with_capacity(record.len() / 3), self.compression, None)?;
            packed.write_all(record)?;
            return packed.finish();
        };
        let (salt, nonce) = {
            let mut random = tag.random.lock().unwrap_or_else(|e| e.into_inner());
            let mut salt = [0u8; SALT_LEN];
            let mut nonce = [0u8; NONCE_PREFIX_LEN];
            random.fill_bytes(&mut salt);
            random.fill_bytes(&mut nonce);
            (salt, nonce)
        };
        let sealed = EncryptingWriter::with_randomness(
            Vec::with_capacity(record.len() + 128),
            tag.encryption.password(),
            tag.encryption.params(),
            salt,
            nonce,
        )?;
        match self.compression {
            Compression::None => {
                let mut sealed = sealed;
                sealed.write_all(record)?;
                sealed.finish()
            }
            Compression::Gzip => {
                let mut packed = gzip(sealed);
                packed.write_all(record)?;
                packed.finish()?.finish()
            }
        }
    }
}

impl Encoder for NdefEncoder {
    fn encode(&self, patient: &Patient, _position: u64, out: &mut Vec<u8>) {
        let mut record = Vec::with_capacity(4096);
        write_record(&self.ctx, patient, &mut record);
        if self.compression == Compression::None && self.encryption.is_none() {
            write_message(self.mime_type(), &record, out);
            return;
        }
        // Into memory, with a password and settings checked by `Encryption::new` and the
        // randomness drawn above, packing cannot fail.
        let payload = self.pack(&record).expect("packing a payload in memory");
        write_message(self.mime_type(), &payload, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Byte vectors worked out by hand from NFC Forum NDEF 1.0, §3.2.
    #[test]
    fn short_record_layout() {
        let mut out = Vec::new();
        write_message("application/x.ips.v1-0", b"{}", &mut out);
        let mut expected = vec![0b1101_0010, 22, 2];
        expected.extend_from_slice(b"application/x.ips.v1-0{}");
        assert_eq!(out, expected);
    }

    #[test]
    fn normal_record_from_256_bytes() {
        let payload = vec![b'x'; 256];
        let mut out = Vec::new();
        write_message("a/b", &payload, &mut out);
        assert_eq!(&out[..6], &[0b1100_0010, 3, 0, 0, 1, 0]);
        assert_eq!(&out[6..9], b"a/b");
        assert_eq!(out.len(), 9 + 256);

        let mut short = Vec::new();
        write_message("a/b", &payload[..255], &mut short);
        assert_eq!(&short[..3], &[0b1101_0010, 3, 255]);
        assert_eq!(short.len(), 3 + 3 + 255);
    }
}
