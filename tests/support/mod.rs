//! Test support shared by the integration tests, the sample generator
//! (`examples/gen_samples.rs`) and the benchmark.
//!
//! [`render`] writes synthetic annual reports (政府信息公开工作年度报告) in
//! every input format the tool reads: the tab-paste text of the seed, a CMS
//! page in Word-export HTML (UTF-8 or GBK), DOCX as Word, WPS and
//! LibreOffice write it, XLSX, ODS and CSV; [`glued`] writes crawled text
//! whose cell borders were lost. [`office`] holds the zip-based
//! writers (DOCX, XLSX, ODS).
//!
//! Each test crate uses a different part of this, so unused items are
//! expected.
#![allow(dead_code)]

pub mod expect;
pub mod glued;
pub mod office;
pub mod outputs;
pub mod render;
pub mod run;
