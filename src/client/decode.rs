//! Content codings of an answer (notes:6.18). The harness sends no `Accept-Encoding`, which
//! per RFC 9110 §12.5.3 accepts any coding, so a proxy may gzip the answer. reqwest's own
//! decompression stays off (it would advertise codings and strip `Content-Encoding`); the
//! capped raw body is decoded here instead, before anything judges it.
//!
//! The decoded size counts against the same cap as the raw body, and decoding streams through
//! the decoders into a buffer that never grows past the cap: a compression bomb costs the cap,
//! not what it would expand to. It owns decoding only: the wire read is in `body`, and the
//! report of the coding is a check (`checks::status::COMPRESSED`).

use std::io::{self, Cursor, Read};

use super::body::append_within;

/// Scratch read size while decoding.
const CHUNK: usize = 16 << 10;

/// One content coding this client decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Coding {
    /// `gzip` or `x-gzip` (RFC 1952), several members allowed.
    Gzip,
    /// `deflate`: zlib-wrapped (RFC 1950) as the RFC says; raw deflate (RFC 1951) as some
    /// servers send it, told apart by the zlib header.
    Deflate,
    /// `br` (RFC 7932).
    Brotli,
}

impl Coding {
    fn name(self) -> &'static str {
        match self {
            Coding::Gzip => "gzip",
            Coding::Deflate => "deflate",
            Coding::Brotli => "br",
        }
    }
}

/// The answer cannot be judged: its coding is unknown, or its body does not decode.
#[derive(Debug, thiserror::Error)]
pub(super) enum DecodeError {
    #[error(
        "Content-Encoding {coding:?} is not a coding this harness decodes (gzip, deflate, br): the answer cannot be judged"
    )]
    Unknown { coding: String },
    #[error(
        "the body does not decode as Content-Encoding {codings} ({source}): the answer cannot be judged"
    )]
    Broken {
        /// The codings as the header lists them, e.g. `gzip` or `deflate, br`.
        codings: String,
        #[source]
        source: io::Error,
    },
}

/// The codings named by the answer's `Content-Encoding` values (every such header, in order),
/// in the order they were applied. `identity` and empty items are ignored; an empty list means
/// the body is sent as is.
pub(super) fn codings<'a>(
    values: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<Coding>, DecodeError> {
    let mut found = Vec::new();
    for item in values.into_iter().flat_map(|value| value.split(',')) {
        let name = item.trim().to_ascii_lowercase();
        found.push(match name.as_str() {
            "" | "identity" => continue,
            "gzip" | "x-gzip" => Coding::Gzip,
            "deflate" => Coding::Deflate,
            "br" => Coding::Brotli,
            _ => {
                return Err(DecodeError::Unknown {
                    coding: item.trim().chars().take(60).collect(),
                });
            }
        });
    }
    Ok(found)
}

/// A decoded body and whether it was cut.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Decoded {
    pub(super) body: Vec<u8>,
    /// The decoded body reached `cap` (the rest was not decoded), or the raw body had been cut.
    pub(super) truncated: bool,
}

/// Undoes `codings` (last applied first) on `raw`, keeping at most `cap` decoded bytes.
/// `raw_truncated`: the raw body was already cut at the cap, so a stream that ends early is
/// expected and what decoded up to there is kept.
pub(super) fn decode(
    raw: &[u8],
    codings: &[Coding],
    cap: usize,
    raw_truncated: bool,
) -> Result<Decoded, DecodeError> {
    if codings.is_empty() || raw.is_empty() {
        // Nothing to decode: a bodiless answer (a 401, a 204) may still name a coding.
        return Ok(Decoded {
            body: raw[..raw.len().min(cap)].to_vec(),
            truncated: raw_truncated || raw.len() > cap,
        });
    }
    let broken = |source: io::Error| DecodeError::Broken {
        codings: codings
            .iter()
            .map(|c| c.name())
            .collect::<Vec<_>>()
            .join(", "),
        source,
    };
    let mut reader: Box<dyn Read + '_> = Box::new(raw);
    for coding in codings.iter().rev() {
        reader = decoder(*coding, reader).map_err(broken)?;
    }
    let mut body = Vec::with_capacity(raw.len().saturating_mul(4).min(cap).min(CHUNK * 4));
    let mut chunk = vec![0u8; CHUNK];
    loop {
        let read = match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            // The raw body was cut at the cap: its stream ends early by our doing.
            Err(_) if raw_truncated => break,
            Err(e) => return Err(broken(e)),
        };
        let room = cap - body.len();
        if read > room {
            append_within(&mut body, &chunk[..room], cap);
            return Ok(Decoded {
                body,
                truncated: true,
            });
        }
        append_within(&mut body, &chunk[..read], cap);
    }
    Ok(Decoded {
        body,
        truncated: raw_truncated,
    })
}

/// A reader that undoes `coding` over `inner`.
fn decoder<'a>(coding: Coding, inner: Box<dyn Read + 'a>) -> io::Result<Box<dyn Read + 'a>> {
    Ok(match coding {
        Coding::Gzip => Box::new(flate2::read::MultiGzDecoder::new(inner)),
        Coding::Brotli => Box::new(brotli_decompressor::Decompressor::new(inner, CHUNK)),
        Coding::Deflate => {
            let (head, rest) = peek_two(inner)?;
            let zlib = is_zlib_header(&head);
            let whole = Cursor::new(head).chain(rest);
            if zlib {
                Box::new(flate2::read::ZlibDecoder::new(whole))
            } else {
                Box::new(flate2::read::DeflateDecoder::new(whole))
            }
        }
    })
}

/// The first two bytes of `inner` (fewer at its end) and the rest of it.
fn peek_two<'a>(mut inner: Box<dyn Read + 'a>) -> io::Result<(Vec<u8>, Box<dyn Read + 'a>)> {
    let mut head = vec![0u8; 2];
    let mut filled = 0;
    while filled < head.len() {
        match inner.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    head.truncate(filled);
    Ok((head, inner))
}

/// RFC 1950 §2.2: compression method 8 with a window of at most 32 KiB, and the check bits
/// that make `CMF * 256 + FLG` a multiple of 31. A raw deflate stream rarely starts so.
fn is_zlib_header(head: &[u8]) -> bool {
    match head {
        [cmf, flg, ..] => {
            cmf & 0x0f == 8 && cmf >> 4 <= 7 && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const TEXT: &[u8] = br#"{"resultCode":"0100000","resultDesc":[]}"#;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(bytes).unwrap_or_else(|e| panic!("{e}"));
        encoder.finish().unwrap_or_else(|e| panic!("{e}"))
    }

    fn zlib(bytes: &[u8]) -> Vec<u8> {
        let mut encoder =
            flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(bytes).unwrap_or_else(|e| panic!("{e}"));
        encoder.finish().unwrap_or_else(|e| panic!("{e}"))
    }

    fn raw_deflate(bytes: &[u8]) -> Vec<u8> {
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(bytes).unwrap_or_else(|e| panic!("{e}"));
        encoder.finish().unwrap_or_else(|e| panic!("{e}"))
    }

    fn decoded(raw: &[u8], header: &str, cap: usize) -> Result<Decoded, DecodeError> {
        decode(raw, &codings([header])?, cap, false)
    }

    fn plain(body: &[u8]) -> Decoded {
        Decoded {
            body: body.to_vec(),
            truncated: false,
        }
    }

    #[test]
    fn each_coding_decodes_to_the_original() {
        assert_eq!(decoded(&gzip(TEXT), "gzip", 1024).ok(), Some(plain(TEXT)));
        assert_eq!(decoded(&gzip(TEXT), "X-GZip", 1024).ok(), Some(plain(TEXT)));
        assert_eq!(
            decoded(&zlib(TEXT), "deflate", 1024).ok(),
            Some(plain(TEXT))
        );
        assert_eq!(
            decoded(&raw_deflate(TEXT), "deflate", 1024).ok(),
            Some(plain(TEXT)),
            "raw deflate is tolerated"
        );
        // RFC 7932 stream of one uncompressed meta-block "hello\n" (brotli-decompressor's own
        // test vector): no brotli encoder is a dependency.
        let br = b"\x8f\x02\x80\x68\x65\x6c\x6c\x6f\x0a\x03";
        assert_eq!(decoded(br, "br", 1024).ok(), Some(plain(b"hello\n")));
    }

    #[test]
    fn a_list_is_undone_last_coding_first_and_identity_is_ignored() {
        let twice = zlib(&gzip(TEXT));
        let list = codings(["identity, gzip", "deflate"]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(list, vec![Coding::Gzip, Coding::Deflate]);
        assert_eq!(decode(&twice, &list, 1024, false).ok(), Some(plain(TEXT)));
        assert_eq!(codings(["identity", ""]).ok(), Some(Vec::new()));
        assert_eq!(decoded(TEXT, "identity", 1024).ok(), Some(plain(TEXT)));
    }

    #[test]
    fn a_bomb_stops_at_the_cap() {
        let cap = 1 << 20;
        let bomb = gzip(&vec![b'a'; 32 << 20]);
        assert!(bomb.len() < 64 << 10, "a bomb is small: {}", bomb.len());
        let out = decoded(&bomb, "gzip", cap).unwrap_or_else(|e| panic!("{e}"));
        assert!(out.truncated);
        assert_eq!(out.body.len(), cap);
        assert!(
            out.body.capacity() <= cap,
            "capacity {}",
            out.body.capacity()
        );
    }

    #[test]
    fn a_cut_raw_body_decodes_as_far_as_it_goes() {
        let long: Vec<u8> = (0..50_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let whole = gzip(&long);
        let cut = &whole[..whole.len() / 2];
        let out = decode(cut, &[Coding::Gzip], 1 << 20, true).unwrap_or_else(|e| panic!("{e}"));
        assert!(out.truncated && !out.body.is_empty());
        assert!(long.starts_with(&out.body));
        // Not cut by us: the same short stream is a broken body.
        assert!(decode(cut, &[Coding::Gzip], 1 << 20, false).is_err());
    }

    #[test]
    fn garbage_is_an_error_naming_the_coding() {
        for header in ["gzip", "deflate", "br"] {
            let error = decoded(b"this is not compressed at all", header, 1024)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(
                error.contains(&format!("does not decode as Content-Encoding {header} (")),
                "{header}: {error}"
            );
        }
    }

    #[test]
    fn an_unknown_coding_is_named() {
        let error = decoded(TEXT, "gzip, zstd", 1024)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            error.starts_with("Content-Encoding \"zstd\" is not a coding"),
            "{error}"
        );
    }

    #[test]
    fn an_empty_body_needs_no_decoding() {
        assert_eq!(decoded(b"", "gzip", 1024).ok(), Some(plain(b"")));
    }

    #[test]
    fn zlib_headers_are_told_from_raw_deflate() {
        assert!(is_zlib_header(&[0x78, 0x9c]) && is_zlib_header(&[0x78, 0x01]));
        assert!(!is_zlib_header(&raw_deflate(TEXT)) && !is_zlib_header(&[0x78]));
    }
}
