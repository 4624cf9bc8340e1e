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
//! PAYLOAD     the patient's JSON record, possibly gzip-compressed
//! ```
//!
//! The short-record form (`SR=1`) is used exactly when the payload is under 256 bytes,
//! which a full record never is but a compressed one may be on a future, slimmer payload.
//! The MIME types are those the ancestor project announced for its NFC samples
//! (`application/x.ips.v1-0` and variants), so readers written for it recognise ours.

use std::io::{self, Write};

use super::{Encoder, RenderContext, write_record};
use crate::output::{Compression, Encryption, Output};
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

/// Appends one NDEF message whose payload is `record` (a patient's JSON record) packed
/// with `compression` and then, if given, `encryption`.
///
/// Encryption derives a key from the password for each message (a fresh salt each time,
/// so every tag stands alone); at the default iteration count that takes about 0.1 s.
pub fn write_packed_message(
    record: &[u8],
    compression: Compression,
    encryption: Option<&Encryption>,
    out: &mut Vec<u8>,
) -> io::Result<()> {
    let payload = match (compression, encryption) {
        (Compression::None, None) => {
            write_message(mime_type(compression, false), record, out);
            return Ok(());
        }
        _ => {
            let mut packed = Output::new(
                Vec::with_capacity(record.len() / 4),
                compression,
                encryption,
            )?;
            packed.write_all(record)?;
            packed.finish()?
        }
    };
    write_message(mime_type(compression, encryption.is_some()), &payload, out);
    Ok(())
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
/// the JSON record, plain or gzip-compressed. (Encrypted payloads need a fallible step per
/// patient: [`write_packed_message`].)
///
/// Messages are self-delimiting but not meant to be concatenated: the CLI writes one
/// `.ndef` file per patient, as an NFC tag holds one message.
pub struct NdefEncoder {
    ctx: RenderContext,
    compression: Compression,
}

impl NdefEncoder {
    /// An encoder compressing the payload with `compression`.
    pub fn new(ctx: RenderContext, compression: Compression) -> NdefEncoder {
        NdefEncoder { ctx, compression }
    }
}

impl Encoder for NdefEncoder {
    fn encode(&self, patient: &Patient, _position: u64, out: &mut Vec<u8>) {
        let mut record = Vec::with_capacity(4096);
        write_record(&self.ctx, patient, &mut record);
        write_packed_message(&record, self.compression, None, out)
            .expect("compressing into memory cannot fail");
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
