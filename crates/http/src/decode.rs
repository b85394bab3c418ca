//! Content-Encoding decoding (gzip, deflate, br), as requests/urllib3 do it:
//! at once for a whole body, or piece by piece for a streamed one.

use std::io::{Read, Write};

use bytes::Bytes;
use http::header::CONTENT_ENCODING;
use http::HeaderMap;

use crate::failure::Failure;

/// Decodes `body` by the response's Content-Encoding. No work at all when the
/// header is absent or the body is empty.
pub(crate) fn decode_body(headers: &HeaderMap, body: Bytes) -> Result<Bytes, Failure> {
    let Some(value) = headers.get(CONTENT_ENCODING) else {
        return Ok(body);
    };
    if body.is_empty() {
        return Ok(body);
    }
    let Ok(value) = value.to_str() else {
        return Ok(body);
    };
    let mut data = body;
    // Codings are listed in the order they were applied.
    for coding in value.rsplit(',') {
        let coding = coding.trim();
        let decoded = match coding.to_ascii_lowercase().as_str() {
            "gzip" | "x-gzip" => gunzip(&data),
            "deflate" => inflate(&data),
            "br" => unbrotli(&data),
            _ => continue,
        };
        data = decoded
            .map(Bytes::from)
            .map_err(|_| Failure::Decode(coding.to_owned()))?;
    }
    Ok(data)
}

fn read_all(mut r: impl Read, hint: usize) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(hint.saturating_mul(4).min(1 << 24));
    r.read_to_end(&mut out)?;
    Ok(out)
}

fn gunzip(data: &[u8]) -> std::io::Result<Vec<u8>> {
    read_all(flate2::read::MultiGzDecoder::new(data), data.len())
}

/// "deflate" is zlib-wrapped by the spec, but some servers send raw deflate;
/// urllib3 accepts both, so do we.
fn inflate(data: &[u8]) -> std::io::Result<Vec<u8>> {
    read_all(flate2::read::ZlibDecoder::new(data), data.len())
        .or_else(|_| read_all(flate2::read::DeflateDecoder::new(data), data.len()))
}

fn unbrotli(data: &[u8]) -> std::io::Result<Vec<u8>> {
    read_all(
        brotli_decompressor::Decompressor::new(data, 4096),
        data.len(),
    )
}

/// One coding being undone as its input arrives; output collects in a Vec.
enum Stage {
    Gzip(flate2::write::MultiGzDecoder<Vec<u8>>),
    /// zlib-wrapped or raw deflate, told apart by the first two bytes.
    Deflate(Option<Inflate>, Vec<u8>),
    Brotli(Box<brotli_decompressor::DecompressorWriter<Vec<u8>>>),
}

enum Inflate {
    Zlib(flate2::write::ZlibDecoder<Vec<u8>>),
    Raw(flate2::write::DeflateDecoder<Vec<u8>>),
}

impl Stage {
    fn new(coding: &str) -> Option<Stage> {
        Some(match coding {
            "gzip" | "x-gzip" => Stage::Gzip(flate2::write::MultiGzDecoder::new(Vec::new())),
            "deflate" => Stage::Deflate(None, Vec::new()),
            "br" => Stage::Brotli(Box::new(brotli_decompressor::DecompressorWriter::new(
                Vec::new(),
                4096,
            ))),
            _ => return None,
        })
    }

    /// Feeds `input`; returns what came out.
    fn feed(&mut self, input: &[u8]) -> std::io::Result<Vec<u8>> {
        match self {
            Stage::Gzip(d) => {
                d.write_all(input)?;
                Ok(std::mem::take(d.get_mut()))
            }
            Stage::Brotli(d) => {
                d.write_all(input)?;
                Ok(std::mem::take(d.get_mut()))
            }
            Stage::Deflate(inflate, head) => {
                let inflate = match inflate {
                    Some(i) => i,
                    None => {
                        head.extend_from_slice(input);
                        if head.len() < 2 {
                            return Ok(Vec::new());
                        }
                        let zlib = head[0] & 0x0f == 8
                            && (u16::from(head[0]) << 8 | u16::from(head[1])) % 31 == 0;
                        let i = inflate.insert(if zlib {
                            Inflate::Zlib(flate2::write::ZlibDecoder::new(Vec::new()))
                        } else {
                            Inflate::Raw(flate2::write::DeflateDecoder::new(Vec::new()))
                        });
                        let first = std::mem::take(head);
                        return i.feed(&first);
                    }
                };
                inflate.feed(input)
            }
        }
    }

    fn finish(&mut self) -> std::io::Result<Vec<u8>> {
        match self {
            Stage::Gzip(d) => {
                // A body cut short ends what was decoded, as urllib3's flush does.
                let _ = d.try_finish();
                Ok(std::mem::take(d.get_mut()))
            }
            Stage::Brotli(d) => {
                d.flush()?;
                Ok(std::mem::take(d.get_mut()))
            }
            Stage::Deflate(Some(i), _) => {
                let _ = match i {
                    Inflate::Zlib(d) => d.try_finish(),
                    Inflate::Raw(d) => d.try_finish(),
                };
                i.feed(&[])
            }
            Stage::Deflate(None, head) => {
                let mut raw = flate2::write::DeflateDecoder::new(Vec::new());
                raw.write_all(head)?;
                raw.try_finish()?;
                Ok(std::mem::take(raw.get_mut()))
            }
        }
    }
}

impl Inflate {
    fn feed(&mut self, input: &[u8]) -> std::io::Result<Vec<u8>> {
        match self {
            Inflate::Zlib(d) => {
                d.write_all(input)?;
                Ok(std::mem::take(d.get_mut()))
            }
            Inflate::Raw(d) => {
                d.write_all(input)?;
                Ok(std::mem::take(d.get_mut()))
            }
        }
    }
}

/// Undoes a streamed body's Content-Encoding piece by piece.
pub(crate) struct StreamDecoder {
    /// In the order they are undone (the last coding applied first).
    stages: Vec<(Stage, String)>,
}

impl StreamDecoder {
    /// The decoder for these response headers; None when there is nothing
    /// to undo.
    pub fn for_headers(headers: &HeaderMap) -> Option<StreamDecoder> {
        let value = headers.get(CONTENT_ENCODING)?.to_str().ok()?;
        let stages: Vec<_> = value
            .rsplit(',')
            .map(str::trim)
            .filter_map(|c| Stage::new(&c.to_ascii_lowercase()).map(|s| (s, c.to_owned())))
            .collect();
        (!stages.is_empty()).then_some(StreamDecoder { stages })
    }

    /// Decodes the next piece of the body.
    pub fn feed(&mut self, input: &[u8]) -> Result<Vec<u8>, Failure> {
        self.run(input, false)
    }

    /// The end of the body: whatever the decoders still hold.
    pub fn finish(&mut self) -> Result<Vec<u8>, Failure> {
        self.run(&[], true)
    }

    fn run(&mut self, input: &[u8], end: bool) -> Result<Vec<u8>, Failure> {
        let mut data = input.to_vec();
        for (stage, coding) in &mut self.stages {
            let mut out = stage.feed(&data);
            if end {
                out = out.and_then(|mut o| {
                    o.extend(stage.finish()?);
                    Ok(o)
                });
            }
            data = out.map_err(|_| Failure::Decode(coding.clone()))?;
        }
        Ok(data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use std::io::Write;

    fn headers(enc: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(CONTENT_ENCODING, HeaderValue::from_static(enc));
        h
    }

    #[test]
    fn gzip_then_deflate_chain() {
        let text = b"hello hello hello hello";
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(text).unwrap();
        let zlib = z.finish().unwrap();
        let mut g = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        g.write_all(&zlib).unwrap();
        let both = g.finish().unwrap();
        let out = decode_body(&headers("deflate, gzip"), Bytes::from(both)).unwrap();
        assert_eq!(&out[..], text);
    }

    #[test]
    fn raw_deflate_is_accepted() {
        let mut d = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        d.write_all(b"raw").unwrap();
        let out = decode_body(&headers("deflate"), Bytes::from(d.finish().unwrap())).unwrap();
        assert_eq!(&out[..], b"raw");
    }

    #[test]
    fn streamed_bodies_decode_piece_by_piece() {
        let text: Vec<u8> = (0..5000u32).flat_map(|i| i.to_le_bytes()).collect();
        let mut g = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        g.write_all(&text).unwrap();
        let gz = g.finish().unwrap();
        let mut raw =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        raw.write_all(&text).unwrap();
        let raw = raw.finish().unwrap();
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&text).unwrap();
        let zlib = z.finish().unwrap();
        for (enc, data) in [("gzip", gz), ("deflate", raw), ("deflate", zlib)] {
            let mut d = StreamDecoder::for_headers(&headers(enc)).unwrap();
            let mut out = Vec::new();
            for piece in data.chunks(7) {
                out.extend(d.feed(piece).unwrap());
            }
            out.extend(d.finish().unwrap());
            assert_eq!(out, text, "{enc}");
        }
        assert!(StreamDecoder::for_headers(&headers("identity")).is_none());
        let mut bad = StreamDecoder::for_headers(&headers("gzip")).unwrap();
        assert!(bad.feed(b"definitely not gzip data").is_err());
    }

    #[test]
    fn garbage_fails_and_identity_passes() {
        let e = decode_body(&headers("gzip"), Bytes::from_static(b"nope")).unwrap_err();
        assert_eq!(
            e.text(),
            "ContentDecodingError('Received response with content-encoding: gzip, but failed to decode it.')"
        );
        let out = decode_body(&headers("identity"), Bytes::from_static(b"same")).unwrap();
        assert_eq!(&out[..], b"same");
        let out = decode_body(&HeaderMap::new(), Bytes::from_static(b"x")).unwrap();
        assert_eq!(&out[..], b"x");
    }
}
