//! Dev only: time the html_read fuzz target's body on corpus files truncated to N bytes.
use std::time::Instant;
fn main() {
    let dir = std::env::args().nth(1).unwrap();
    let max: usize = std::env::args().nth(2).unwrap().parse().unwrap();
    let (mut tr, mut tf, mut n) = (0f64, 0f64, 0);
    let mut v = vec![];
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        let data = std::fs::read(&p).unwrap();
        let data = &data[..data.len().min(max)];
        let t = Instant::now();
        let _ = ogi::ingest::html::read(data);
        let a = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let _ = ogi::ingest::html::fast_path_agrees(data);
        let b = t.elapsed().as_secs_f64();
        tr += a;
        tf += b;
        n += 1;
        v.push((a + b, data.len(), p));
    }
    v.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap());
    println!(
        "{n} files, read {:.3}ms, agrees {:.3}ms mean",
        tr * 1e3 / n as f64,
        tf * 1e3 / n as f64
    );
    for (s, n, p) in v.iter().take(8) {
        println!("{:.2}ms {} {}", s * 1e3, n, p.display());
    }
}
