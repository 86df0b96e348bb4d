//! Codec throughput, side by side with a plain memory copy of the same bytes.
//!
//! * `packed_1mib/*`: a 1 MiB PackedByteArray and a 1 MiB PackedFloat32Array (262 144 floats),
//!   encoded, decoded, and both, next to `Vec::clone` and `copy_from_slice` of 1 MiB.
//! * `rpc_args/*`: an RPC-like argument list (int, float, String, Vector3) through the
//!   compressed form (`encode_and_compress_variants` + `decode_and_decompress_variants`);
//!   throughput is in values.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group};
use netscene_variant::*;

const MIB: usize = 1 << 20;

fn packed(c: &mut Criterion) {
    let raw: Vec<u8> = (0..MIB).map(|i| (i * 31 % 251) as u8).collect();
    let floats: Vec<f32> = (0..MIB / 4).map(|i| i as f32 * 0.25).collect();
    let bytes_value = Variant::PackedByteArray(raw.clone());
    let floats_value = Variant::PackedFloat32Array(floats);
    let opts = EncodeOptions::default();
    let dopts = DecodeOptions::default();
    let bytes_encoded = encode_variant_to_vec(&bytes_value, &opts).unwrap();
    let floats_encoded = encode_variant_to_vec(&floats_value, &opts).unwrap();

    let mut group = c.benchmark_group("packed_1mib");
    group.throughput(Throughput::Bytes(MIB as u64));
    group.bench_function("memcpy_vec_clone", |b| b.iter(|| black_box(raw.clone())));
    let mut dst = vec![0u8; MIB];
    group.bench_function("memcpy_copy_from_slice", |b| {
        b.iter(|| {
            dst.copy_from_slice(black_box(&raw));
            black_box(&dst);
        })
    });
    // The sender encodes into a reused packet buffer; the receiver's decoded array is a new
    // allocation, like the `Vec::clone` baseline.
    let mut out = Vec::with_capacity(MIB + 16);
    for (name, value, encoded) in [
        ("byte_array", &bytes_value, &bytes_encoded),
        ("float32_array", &floats_value, &floats_encoded),
    ] {
        group.bench_function(format!("{name}_encode"), |b| {
            b.iter(|| {
                out.clear();
                encode_variant(black_box(value), &mut out, &opts).unwrap();
                black_box(&out);
            })
        });
        group.bench_function(format!("{name}_decode"), |b| {
            b.iter(|| black_box(decode_variant(black_box(encoded), &dopts).unwrap()))
        });
        group.bench_function(format!("{name}_encode_decode"), |b| {
            b.iter(|| {
                out.clear();
                encode_variant(black_box(value), &mut out, &opts).unwrap();
                black_box(decode_variant(&out, &dopts).unwrap())
            })
        });
    }
    group.finish();
}

fn rpc_args(c: &mut Criterion) {
    let args = [
        Variant::Int(42),
        Variant::Float(0.5),
        Variant::from("player_1"),
        Variant::Vector3(Vector3::new(1.0, 2.5, -3.0)),
    ];
    let opts = EncodeOptions::default();
    let dopts = DecodeOptions::default();
    let mut encoded = Vec::new();
    encode_and_compress_variants(&args, &mut encoded, &opts).unwrap();

    let mut group = c.benchmark_group("rpc_args");
    group.throughput(Throughput::Elements(args.len() as u64));
    let mut out = Vec::with_capacity(64);
    group.bench_function("encode", |b| {
        b.iter(|| {
            out.clear();
            encode_and_compress_variants(black_box(&args), &mut out, &opts).unwrap();
            black_box(&out);
        })
    });
    group.bench_function("decode", |b| {
        b.iter(|| {
            black_box(
                decode_and_decompress_variants(black_box(&encoded), 4, false, &dopts).unwrap(),
            )
        })
    });
    group.bench_function("encode_decode", |b| {
        b.iter(|| {
            out.clear();
            encode_and_compress_variants(black_box(&args), &mut out, &opts).unwrap();
            black_box(decode_and_decompress_variants(&out, 4, false, &dopts).unwrap())
        })
    });
    // A receive loop reusing one argument vector.
    let mut values = Vec::with_capacity(4);
    group.bench_function("encode_decode_reusing_vec", |b| {
        b.iter(|| {
            out.clear();
            encode_and_compress_variants(black_box(&args), &mut out, &opts).unwrap();
            values.clear();
            decode_and_decompress_variants_into(&out, 4, false, &dopts, &mut values).unwrap();
            black_box(&values);
        })
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! {
    name = benches;
    config = config();
    targets = packed, rpc_args
}

/// Median seconds per call of `f` over `rounds` rounds of `iters` calls, the rounds of all the
/// measured functions interleaved so they share the machine's load (it is shared and noisy).
fn interleaved_medians(rounds: usize, iters: usize, fs: &mut [&mut dyn FnMut()]) -> Vec<f64> {
    let mut samples = vec![Vec::with_capacity(rounds); fs.len()];
    for _ in 0..rounds {
        for (f, s) in fs.iter_mut().zip(samples.iter_mut()) {
            let start = std::time::Instant::now();
            for _ in 0..iters {
                f();
            }
            s.push(start.elapsed().as_secs_f64() / iters as f64);
        }
    }
    samples
        .into_iter()
        .map(|mut s| {
            s.sort_by(f64::total_cmp);
            s[s.len() / 2]
        })
        .collect()
}

/// The figures for BENCHMARKS.md: codec vs memcpy ratios and RPC argument values per second,
/// as medians of interleaved rounds.
fn summary() {
    let raw: Vec<u8> = (0..MIB).map(|i| (i * 31 % 251) as u8).collect();
    let bytes_value = Variant::PackedByteArray(raw.clone());
    let floats_value = Variant::PackedFloat32Array((0..MIB / 4).map(|i| i as f32 * 0.25).collect());
    let (opts, dopts) = (EncodeOptions::default(), DecodeOptions::default());
    let mut out: Vec<u8> = Vec::with_capacity(MIB + 16);
    let mut out2: Vec<u8> = Vec::with_capacity(MIB + 16);
    let medians = interleaved_medians(
        21,
        50,
        &mut [
            &mut || {
                black_box(black_box(&raw).clone());
            },
            &mut || {
                out.clear();
                encode_variant(black_box(&bytes_value), &mut out, &opts).unwrap();
                black_box(decode_variant(&out, &dopts).unwrap());
            },
            &mut || {
                out2.clear();
                encode_variant(black_box(&floats_value), &mut out2, &opts).unwrap();
                black_box(decode_variant(&out2, &dopts).unwrap());
            },
        ],
    );
    let [copy, bytes, floats] = [medians[0], medians[1], medians[2]];
    let gib = |t: f64| MIB as f64 / t / (1u64 << 30) as f64;
    println!("summary: 1 MiB, median of 21 interleaved rounds of 50");
    println!(
        "  memcpy (Vec::clone)              {:8.1} us  {:6.2} GiB/s  1.00x",
        copy * 1e6,
        gib(copy)
    );
    println!(
        "  PackedByteArray encode+decode    {:8.1} us  {:6.2} GiB/s  {:.2}x memcpy",
        bytes * 1e6,
        gib(bytes),
        copy / bytes
    );
    println!(
        "  PackedFloat32Array encode+decode {:8.1} us  {:6.2} GiB/s  {:.2}x memcpy",
        floats * 1e6,
        gib(floats),
        copy / floats
    );

    let args = [
        Variant::Int(42),
        Variant::Float(0.5),
        Variant::from("player_1"),
        Variant::Vector3(Vector3::new(1.0, 2.5, -3.0)),
    ];
    let mut packet: Vec<u8> = Vec::with_capacity(64);
    let mut packet2: Vec<u8> = Vec::with_capacity(64);
    let mut values: Vec<Variant> = Vec::with_capacity(4);
    let medians = interleaved_medians(
        21,
        20_000,
        &mut [
            &mut || {
                packet.clear();
                encode_and_compress_variants(black_box(&args), &mut packet, &opts).unwrap();
                black_box(decode_and_decompress_variants(&packet, 4, false, &dopts).unwrap());
            },
            &mut || {
                packet2.clear();
                encode_and_compress_variants(black_box(&args), &mut packet2, &opts).unwrap();
                values.clear();
                decode_and_decompress_variants_into(&packet2, 4, false, &dopts, &mut values)
                    .unwrap();
                black_box(&values);
            },
        ],
    );
    println!("summary: RPC arguments (int, float, String, Vector3), compressed form, one core");
    println!(
        "  encode+decode                    {:8.1} ns  {:6.1} M values/s",
        medians[0] * 1e9,
        4.0 / medians[0] / 1e6
    );
    println!(
        "  encode+decode, reused Vec        {:8.1} ns  {:6.1} M values/s",
        medians[1] * 1e9,
        4.0 / medians[1] / 1e6
    );
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    summary();
}
