//! Content-Encoding decoding (gzip, deflate, br), as requests/urllib3 do it.

use std::io::Read;

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
