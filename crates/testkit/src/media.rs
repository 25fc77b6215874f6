//! Where a brand keeps its media, for tests: an HTTP server that serves the files a test
//! puts on it, and small real files to put there (PNG images of one colour, an MP4 header).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

type Files = Arc<Mutex<HashMap<String, (String, Bytes)>>>;

/// A running media server.
#[derive(Clone)]
pub struct MediaServer {
    /// Its base URL, `http://127.0.0.1:<port>`.
    pub url: String,
    files: Files,
}

async fn serve(State(files): State<Files>, Path(name): Path<String>) -> Response {
    match files.lock().expect("files").get(&name) {
        Some((content_type, bytes)) => (
            [(header::CONTENT_TYPE, content_type.clone())],
            bytes.clone(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

impl MediaServer {
    /// Starts a server on a free port of 127.0.0.1, for the rest of the test.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let files = Files::default();
        let app = Router::new()
            .route("/media/{name}", get(serve))
            .with_state(Arc::clone(&files));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { url, files }
    }

    /// Serves `bytes` as `name` with `content_type`; its URL.
    pub fn put(&self, name: &str, content_type: &str, bytes: impl Into<Bytes>) -> String {
        self.files
            .lock()
            .expect("files")
            .insert(name.to_owned(), (content_type.to_owned(), bytes.into()));
        format!("{}/media/{name}", self.url)
    }
}

/// A valid PNG image, `width` × `height`, all of colour `rgb`: distinct colours give distinct
/// files. Uncompressed (stored deflate blocks), so its size is about `3 × width × height`.
pub fn png(width: u32, height: u32, rgb: [u8; 3]) -> Vec<u8> {
    // Each row: filter type 0 (none), then the pixels.
    let row: Vec<u8> = std::iter::once(0)
        .chain(rgb.iter().copied().cycle().take(3 * width as usize))
        .collect();
    let raw = row.repeat(height as usize);
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        zlib.extend_from_slice(&len.to_le_bytes());
        zlib.extend_from_slice(&(!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    zlib.extend_from_slice(&adler32(&raw).to_be_bytes());
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB, no interlace
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [(b"IHDR", ihdr.as_slice()), (b"IDAT", &zlib), (b"IEND", &[])] {
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = png.len();
        png.extend_from_slice(kind);
        png.extend_from_slice(data);
        let crc = crc32(&png[start..]);
        png.extend_from_slice(&crc.to_be_bytes());
    }
    png
}

/// An MP4 file's opening (`ftyp` box) and `len` more bytes: what a video is to a network
/// that stores it without decoding it.
pub fn mp4(len: usize) -> Vec<u8> {
    let mut video = b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom".to_vec();
    video.extend((0..len).map(|i| (i % 251) as u8));
    video
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_png_checksums_are_the_standard_ones() {
        // CRC-32 of "123456789" is CBF43926; Adler-32 of "Wikipedia" is 11E60398.
        assert_eq!(super::crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(super::adler32(b"Wikipedia"), 0x11E6_0398);
        let png = super::png(2, 2, [200, 100, 50]);
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert!(png.ends_with(&[0xAE, 0x42, 0x60, 0x82])); // IEND's CRC
    }
}
