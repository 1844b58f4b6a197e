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
pub mod cli;
pub mod error;
pub mod grid;
pub mod ingest;
pub mod normalize;
pub mod output;
pub mod pipeline;
pub mod schema;

pub use pipeline::process_bytes;
