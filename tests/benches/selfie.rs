//! How long the server spends per selfie (decode, orient, scale, face
//! check, re-encode), for the sizes it receives: the browser's downscaled
//! capture, and a full-size phone photo from the no-JavaScript form.
//! `cargo bench -p tests --bench selfie` prints the median of each.

use criterion::{Criterion, criterion_group, criterion_main};
use image::DynamicImage;
use image::imageops::FilterType;

const FACE: &[u8] = include_bytes!("../fixtures/astronaut.jpg");

/// The portrait scaled to `width`×`height` on a neutral background, as JPEG.
fn photo(width: u32, height: u32) -> Vec<u8> {
    let face = image::load_from_memory(FACE).unwrap();
    let side = height.min(width);
    let mut canvas = DynamicImage::ImageRgb8(image::RgbImage::from_pixel(
        width,
        height,
        image::Rgb([200, 200, 190]),
    ));
    let scaled = face.resize(side, side, FilterType::Triangle);
    image::imageops::overlay(&mut canvas, &scaled, i64::from((width - side) / 2), 0);
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&canvas.to_rgb8())
        .unwrap();
    out
}

fn selfie(c: &mut Criterion) {
    let mut group = c.benchmark_group("selfie");
    group.sample_size(20);
    for (label, bytes) in [
        ("fixture 512x512", FACE.to_vec()),
        ("browser upload 960x1280", photo(960, 1280)),
        ("phone photo 3024x4032", photo(3024, 4032)),
    ] {
        println!("{label}: {} KB uploaded", bytes.len() / 1024);
        group.bench_function(label, |b| {
            b.iter(|| app::identity_check::photo::process(&bytes).expect("one face"))
        });
    }
    group.finish();
}

fn otp(c: &mut Criterion) {
    use app::otp_devices::totp::{TotpSecret, step_at};
    use app::otp_devices::types::OtpCode;
    use app::time::UnixTime;
    let secret = TotpSecret::generate();
    let now = UnixTime::from_secs(1_800_000_000);
    let code = OtpCode::parse(&secret.code_for_step(step_at(now) + 1, 6)).unwrap();
    c.bench_function("totp check within ±1 step", |b| {
        b.iter(|| secret.matching_step(&code, now, 1))
    });
}

criterion_group!(benches, selfie, otp);
criterion_main!(benches);
