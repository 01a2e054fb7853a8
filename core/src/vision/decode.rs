//! Image bytes -> pixels, within limits (bytes, pixels, formats) and the EXIF orientation: the
//! only place a stranger's bytes are parsed.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageReader};

use crate::vision::{ImageLimits, VisionError};

/// Images up to this many pixels are decoded whatever their file size.
const SMALL_PIXELS: u64 = 1_000_000;
/// Pixels one byte of a real photo stands for at most (phone photos: under 10; a flat,
/// low-quality 12 MP JPEG: about 120). Beyond it a file is a decompression bomb: 803 bytes
/// claiming 62,992 x 240 pixels kept a decoder busy for seconds (found by `fuzz image`).
const MAX_PIXELS_PER_BYTE: u64 = 400;

/// Decodes a photo within the limits and applies its EXIF orientation.
pub fn decode(bytes: &[u8], limits: &ImageLimits) -> Result<DynamicImage, VisionError> {
    if bytes.len() > limits.max_bytes {
        return Err(VisionError::TooLarge {
            bytes: bytes.len(),
            max: limits.max_bytes,
        });
    }
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| VisionError::NotAnImage)?;
    match reader.format() {
        Some(
            image::ImageFormat::Png
            | image::ImageFormat::Jpeg
            | image::ImageFormat::WebP
            | image::ImageFormat::Gif,
        ) => {}
        _ => return Err(VisionError::NotAnImage),
    }
    if reader.format() == Some(image::ImageFormat::Jpeg) && !jpeg_complete(bytes) {
        // The JPEG decoder would fill the missing part with grey and carry on.
        return Err(VisionError::Damaged(
            "truncated JPEG (no end marker after the last scan)".into(),
        ));
    }
    let mut reader = reader;
    let mut l = image::Limits::default();
    l.max_alloc = Some(limits.max_pixels.saturating_mul(4).max(1 << 20));
    reader.limits(l);
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| VisionError::Damaged(e.to_string()))?;
    let (width, height) = decoder.dimensions();
    if (width as u64) * (height as u64) > limits.max_pixels {
        return Err(VisionError::TooManyPixels { width, height });
    }
    if width == 0 || height == 0 {
        return Err(VisionError::Damaged("empty image".into()));
    }
    let pixels = width as u64 * height as u64;
    if pixels > SMALL_PIXELS && pixels > bytes.len() as u64 * MAX_PIXELS_PER_BYTE {
        return Err(VisionError::Damaged(format!(
            "{width}x{height} pixels in {} bytes: not a photo",
            bytes.len()
        )));
    }
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| match e {
        image::ImageError::Limits(_) => VisionError::TooManyPixels { width, height },
        other => VisionError::Damaged(other.to_string()),
    })?;
    img.apply_orientation(orientation);
    Ok(img)
}

/// Whether a JPEG ends its last scan: an end-of-image marker (FF D9) after the last start-of-scan
/// (FF DA). Entropy-coded data never holds FF D9, and an EXIF thumbnail's markers come earlier.
fn jpeg_complete(bytes: &[u8]) -> bool {
    let last = |m: u8| bytes.windows(2).rposition(|w| w[0] == 0xFF && w[1] == m);
    matches!((last(0xDA), last(0xD9)), (Some(sos), Some(eoi)) if eoi > sos)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vision::{ImageLimits, VisionError};

    #[test]
    fn jpeg_completeness() {
        assert!(jpeg_complete(&[0xFF, 0xD8, 0xFF, 0xDA, 1, 2, 0xFF, 0xD9]));
        assert!(!jpeg_complete(&[0xFF, 0xD8, 0xFF, 0xDA, 1, 2, 3]));
        // A thumbnail's end marker before the main scan does not count.
        assert!(!jpeg_complete(&[
            0xFF, 0xD8, 0xFF, 0xDA, 0xFF, 0xD9, 0xFF, 0xDA, 7
        ]));
    }

    #[test]
    fn bad_bytes_are_clear_errors() {
        let limits = ImageLimits::default();
        assert_eq!(
            decode(b"hello, this is text", &limits).unwrap_err(),
            VisionError::NotAnImage
        );
        assert_eq!(decode(&[], &limits).unwrap_err(), VisionError::NotAnImage);
        let small = ImageLimits {
            max_bytes: 4,
            ..limits
        };
        assert!(matches!(
            decode(b"12345", &small),
            Err(VisionError::TooLarge { .. })
        ));
        // Found by the fuzzer: 803 bytes claiming 62,992 x 240 pixels.
        let bomb = include_bytes!("../../../fuzz/regressions/image/tiny-file-huge-jpeg");
        assert!(matches!(
            decode(bomb, &limits),
            Err(VisionError::Damaged(why)) if why.contains("not a photo")
        ));
    }
}
