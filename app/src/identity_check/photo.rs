//! Accepting a selfie: only JPEG or PNG that really decode, within size and
//! pixel limits checked before decoding (no decompression bombs), turned
//! upright by its EXIF orientation, scaled down, re-encoded as a fresh JPEG
//! (which carries no metadata: no GPS, no camera serial), and with exactly one
//! frontal face found by rustface. The face check is a gate that helps the
//! person retake a bad photo; the decision is the verifier's.

use std::io::Cursor;
use std::sync::LazyLock;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use rustface::{ImageData, Model};

pub use super::types::PhotoError;

pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;
pub const MAX_SIDE: u32 = 8000;
pub const MAX_PIXELS: u64 = 40_000_000;
pub const MIN_SIDE: u32 = 240;
/// Longest side of the stored photo: plenty for a verifier, small to keep.
pub const STORED_MAX_SIDE: u32 = 1280;
/// Face detection runs on a smaller copy: faster, and a selfie's face is large.
const DETECTION_MAX_SIDE: u32 = 640;
const JPEG_QUALITY: u8 = 85;

/// The SeetaFace frontal model shipped with rustface (BSD-2-Clause, see the
/// LICENSE file beside it).
static FACE_MODEL: LazyLock<Model> = LazyLock::new(|| {
    rustface::read_model(Cursor::new(
        include_bytes!("../../assets/seeta_fd_frontal_v1.0.bin").as_slice(),
    ))
    .expect("the bundled face model parses")
});

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selfie {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Checks and normalises an uploaded photo. CPU-bound (≈0.1–0.3 s): call it
/// from a blocking task.
pub fn process(bytes: &[u8]) -> Result<Selfie, PhotoError> {
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(PhotoError::TooLarge);
    }
    let format = match bytes {
        [0xFF, 0xD8, 0xFF, ..] => ImageFormat::Jpeg,
        [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => ImageFormat::Png,
        _ => return Err(PhotoError::NotAnImage),
    };
    // A JPEG cut off in transit can still "decode" with grey rows; it must end
    // with its end-of-image marker (some cameras pad a few bytes after it).
    if format == ImageFormat::Jpeg
        && !bytes[bytes.len().saturating_sub(64)..]
            .windows(2)
            .any(|w| w == [0xFF, 0xD9])
    {
        return Err(PhotoError::Unreadable);
    }
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|_| PhotoError::Unreadable)?;
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(PhotoError::TooLarge);
    }
    if width.min(height) < MIN_SIDE {
        return Err(PhotoError::TooSmall);
    }

    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|_| PhotoError::Unreadable)?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(|_| PhotoError::Unreadable)?;
    image.apply_orientation(orientation);
    if image.width().max(image.height()) > STORED_MAX_SIDE {
        image = image.resize(STORED_MAX_SIDE, STORED_MAX_SIDE, FilterType::Triangle);
    }

    match count_faces(&image) {
        0 => return Err(PhotoError::NoFace),
        1 => {}
        _ => return Err(PhotoError::SeveralFaces),
    }

    let rgb = image.to_rgb8();
    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(&mut jpeg, JPEG_QUALITY)
        .encode_image(&rgb)
        .map_err(|_| PhotoError::Unreadable)?;
    Ok(Selfie {
        jpeg,
        width: rgb.width(),
        height: rgb.height(),
    })
}

/// Frontal faces of a plausible selfie size.
pub fn count_faces(image: &DynamicImage) -> usize {
    let small = if image.width().max(image.height()) > DETECTION_MAX_SIDE {
        image.resize(DETECTION_MAX_SIDE, DETECTION_MAX_SIDE, FilterType::Triangle)
    } else {
        image.clone()
    };
    let gray = small.to_luma8();
    let mut detector = rustface::create_detector_with_model(FACE_MODEL.clone());
    // A selfie's face spans a good part of the frame: ignoring tiny faces
    // (posters, people far behind) keeps "exactly one" meaningful and fast.
    detector.set_min_face_size((gray.width().min(gray.height()) / 8).max(40));
    detector.set_score_thresh(2.0);
    detector.set_pyramid_scale_factor(0.8);
    detector.set_slide_window_step(4, 4);
    detector
        .detect(&ImageData::new(gray.as_raw(), gray.width(), gray.height()))
        .len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{GenericImage, Rgb, RgbImage};

    const FACE: &[u8] = include_bytes!("../../../tests/fixtures/astronaut.jpg");

    fn jpeg_of(image: &DynamicImage) -> Vec<u8> {
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(&image.to_rgb8())
            .unwrap();
        out
    }

    #[test]
    fn a_portrait_is_accepted_and_reencoded() {
        let selfie = process(FACE).expect("one face");
        assert_eq!((selfie.width, selfie.height), (512, 512));
        assert_eq!(&selfie.jpeg[..3], &[0xFF, 0xD8, 0xFF]);
    }

    #[test]
    fn no_face_and_two_faces_are_refused() {
        let face = image::load_from_memory(FACE).unwrap();
        let mut pair = DynamicImage::new_rgb8(1024, 512);
        pair.copy_from(&face, 0, 0).unwrap();
        pair.copy_from(&face, 512, 0).unwrap();
        assert_eq!(process(&jpeg_of(&pair)), Err(PhotoError::SeveralFaces));
        let landscape =
            RgbImage::from_fn(640, 480, |x, y| Rgb([(x / 3) as u8, (y / 2) as u8, 120]));
        assert_eq!(
            process(&jpeg_of(&DynamicImage::ImageRgb8(landscape))),
            Err(PhotoError::NoFace)
        );
    }

    #[test]
    fn non_images_and_truncated_files_are_refused() {
        assert_eq!(process(b"GIF89a...."), Err(PhotoError::NotAnImage));
        assert_eq!(process(b""), Err(PhotoError::NotAnImage));
        assert_eq!(
            process(&FACE[..FACE.len() / 2]),
            Err(PhotoError::Unreadable)
        );
        let mut broken_png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
        broken_png.extend_from_slice(&[0; 40]);
        assert_eq!(process(&broken_png), Err(PhotoError::Unreadable));
    }

    #[test]
    fn tiny_photos_are_refused() {
        let tiny = DynamicImage::new_rgb8(100, 100);
        assert_eq!(process(&jpeg_of(&tiny)), Err(PhotoError::TooSmall));
    }
}
