//! ogi: China's government information-disclosure annual reports
//! (政府信息公开工作年度报告) → clean, checked data.
//!
//! Data flows one way:
//!
//! ```text
//! ingest (bytes → grid::Document) → normalize (Document → schema::Report)
//!        → check (Report → findings) → output (reports, dataset, summary)
//! ```
//!
//! A module uses only the modules to its left; `pipeline` is the only one
//! that knows them all.

#![warn(missing_docs)]

pub mod check;
pub mod error;
pub mod grid;
pub mod ingest;
pub mod normalize;
pub mod schema;

use schema::{Report, Source};
use sha2::{Digest, Sha256};

/// Runs one document through every per-document stage: detect the format,
/// read it, normalise it, check it. Never panics on bad input: an unreadable
/// document gives a report with `status: error`.
pub fn process_bytes(bytes: &[u8], mut source: Source) -> Report {
    let format = ingest::detect(bytes, &source.path);
    source.format = format.as_str().to_string();
    source.bytes = bytes.len() as u64;
    source.sha256 = Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    match ingest::read(format, bytes) {
        Ok(doc) => {
            if source.encoding.is_none() {
                source.encoding = doc.encoding.clone();
            }
            let mut report = normalize::normalize(&doc, source);
            check::run(&mut report);
            report
        }
        Err(e) => Report::error(source, e.kind(), e.to_string()),
    }
}
