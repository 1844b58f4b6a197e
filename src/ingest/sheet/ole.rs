//! Just enough of the OLE compound file format (CFB) to look inside a
//! legacy workbook before calamine does.
//!
//! Two questions are answered here, both about files calamine would mishandle:
//! whether the container is an encrypted Office package (an encrypted `.xlsx`
//! is an OLE file holding `EncryptionInfo` + `EncryptedPackage`, which calamine
//! would report as a missing `Workbook` stream), and whether the BIFF records
//! of a `.xls` describe sheets so large that calamine's eager parse would try
//! to allocate them (a hostile `DIMENSIONS` record or two far-apart cells make
//! it reserve or fill gigabytes, which aborts the process instead of
//! returning an error). Every loop is bounded by the input size.

use crate::error::IngestError;

const MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
/// Sector ids at or above this value are markers (free, end of chain, …).
const MAX_REGULAR_SECTOR: u32 = 0xFFFF_FFFA;

/// Whether `bytes` start like an OLE compound file.
pub(super) fn is_ole(bytes: &[u8]) -> bool {
    bytes.starts_with(&MAGIC)
}

/// A parsed compound file: its allocation tables and directory.
pub(super) struct Ole<'a> {
    data: &'a [u8],
    sector_size: usize,
    fat: Vec<u32>,
    mini_fat: Vec<u32>,
    mini_stream: Vec<u8>,
    entries: Vec<Entry>,
}

/// One directory entry.
struct Entry {
    name: String,
    /// 1 storage, 2 stream, 5 root.
    kind: u8,
    start: u32,
    size: u64,
}

fn corrupt(detail: &str) -> IngestError {
    IngestError::corrupt("xls", detail)
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([s[0], s[1]]))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

impl<'a> Ole<'a> {
    /// Parses the header, the FAT, the directory and the mini stream.
    pub(super) fn parse(data: &'a [u8]) -> Result<Ole<'a>, IngestError> {
        if !is_ole(data) || data.len() < 512 {
            return Err(corrupt("not an OLE compound file"));
        }
        let shift = u16_at(data, 0x1E).unwrap_or(0);
        if !(7..=16).contains(&shift) {
            return Err(corrupt("bad sector size in the OLE header"));
        }
        let sector_size = 1usize << shift;
        let sector_count = data.len() / sector_size + 1;
        let mut ole = Ole {
            data,
            sector_size,
            fat: Vec::new(),
            mini_fat: Vec::new(),
            mini_stream: Vec::new(),
            entries: Vec::new(),
        };

        // DIFAT: 109 ids in the header, then a chain of DIFAT sectors whose
        // last slot points at the next one.
        let mut fat_sectors: Vec<u32> = (0..109)
            .filter_map(|i| u32_at(data, 0x4C + 4 * i))
            .filter(|&id| id < MAX_REGULAR_SECTOR)
            .collect();
        let mut difat = u32_at(data, 0x44).unwrap_or(u32::MAX);
        let per_sector = sector_size / 4;
        let mut hops = 0usize;
        while difat < MAX_REGULAR_SECTOR {
            hops += 1;
            if hops > sector_count {
                return Err(corrupt("looping DIFAT chain"));
            }
            let sector = ole
                .sector(difat)
                .ok_or_else(|| corrupt("DIFAT beyond the end"))?;
            for i in 0..per_sector - 1 {
                if let Some(id) = u32_at(sector, 4 * i).filter(|&id| id < MAX_REGULAR_SECTOR) {
                    fat_sectors.push(id);
                }
            }
            difat = u32_at(sector, 4 * (per_sector - 1)).unwrap_or(u32::MAX);
        }
        if fat_sectors.len() > sector_count {
            return Err(corrupt("more FAT sectors than the file holds"));
        }
        let mut fat = Vec::with_capacity(fat_sectors.len() * per_sector);
        for id in fat_sectors {
            let sector = ole
                .sector(id)
                .ok_or_else(|| corrupt("FAT beyond the end"))?;
            fat.extend((0..per_sector).filter_map(|i| u32_at(sector, 4 * i)));
        }
        ole.fat = fat;

        let dir = ole.chain(u32_at(data, 0x30).unwrap_or(u32::MAX), u64::MAX)?;
        ole.entries = dir
            .chunks_exact(128)
            .map(|e| {
                let name_len = usize::from(u16_at(e, 0x40).unwrap_or(0)).min(64);
                let units: Vec<u16> = (0..name_len / 2)
                    .filter_map(|i| u16_at(e, 2 * i))
                    .take_while(|&u| u != 0)
                    .collect();
                let size = if sector_size == 512 {
                    u64::from(u32_at(e, 0x78).unwrap_or(0))
                } else {
                    u64::from(u32_at(e, 0x78).unwrap_or(0))
                        | (u64::from(u32_at(e, 0x7C).unwrap_or(0)) << 32)
                };
                Entry {
                    name: String::from_utf16_lossy(&units),
                    kind: e[0x42],
                    start: u32_at(e, 0x74).unwrap_or(u32::MAX),
                    size,
                }
            })
            .collect();

        // calamine reads the mini stream only when the header has a mini FAT.
        let mini_fat_len = u32_at(data, 0x40).unwrap_or(0);
        if let Some(root) = ole.entries.first().filter(|_| mini_fat_len > 0) {
            let (start, size) = (root.start, root.size);
            if start < MAX_REGULAR_SECTOR && size > 0 {
                ole.mini_stream = ole.chain(start, size)?;
            }
            let mini_fat_start = u32_at(data, 0x3C).unwrap_or(u32::MAX);
            if mini_fat_start < MAX_REGULAR_SECTOR {
                let raw = ole.chain(mini_fat_start, u64::MAX)?;
                ole.mini_fat = raw.chunks_exact(4).filter_map(|c| u32_at(c, 0)).collect();
            }
        }
        Ok(ole)
    }

    /// A sector; the last one of the file may be cut short (calamine reads
    /// what is there).
    fn sector(&self, id: u32) -> Option<&'a [u8]> {
        let start = (id as usize)
            .checked_add(1)?
            .checked_mul(self.sector_size)?;
        let end = start.checked_add(self.sector_size)?.min(self.data.len());
        self.data.get(start..end).filter(|s| !s.is_empty())
    }

    /// Reads a chain of regular sectors, at most `size` bytes. A chain that
    /// comes back to a sector is an error: calamine would follow it until
    /// `size` bytes (gigabytes, or forever for the directory).
    fn chain(&self, start: u32, size: u64) -> Result<Vec<u8>, IngestError> {
        let limit = usize::try_from(size).unwrap_or(usize::MAX);
        let mut seen = vec![false; self.fat.len()];
        let mut out = Vec::new();
        let mut id = start;
        while id < MAX_REGULAR_SECTOR && out.len() < limit {
            let visited = seen
                .get_mut(id as usize)
                .ok_or_else(|| corrupt("sector outside the FAT"))?;
            if std::mem::replace(visited, true) {
                return Err(corrupt("looping sector chain"));
            }
            let sector = self
                .sector(id)
                .ok_or_else(|| corrupt("sector beyond the end"))?;
            out.extend_from_slice(sector);
            id = self.fat[id as usize];
        }
        out.truncate(limit);
        Ok(out)
    }

    /// Reads a chain of 64-byte mini sectors, at most `size` bytes.
    fn mini_chain(&self, start: u32, size: u64) -> Result<Vec<u8>, IngestError> {
        let limit = usize::try_from(size).unwrap_or(usize::MAX);
        let mut seen = vec![false; self.mini_fat.len()];
        let mut out = Vec::new();
        let mut id = start;
        while id < MAX_REGULAR_SECTOR && out.len() < limit {
            let visited = seen
                .get_mut(id as usize)
                .ok_or_else(|| corrupt("mini sector outside the mini FAT"))?;
            if std::mem::replace(visited, true) {
                return Err(corrupt("looping mini sector chain"));
            }
            let at = (id as usize).saturating_mul(64);
            let sector = self
                .mini_stream
                .get(at..at.saturating_add(64).min(self.mini_stream.len()))
                .filter(|s| !s.is_empty())
                .ok_or_else(|| corrupt("mini sector beyond the end"))?;
            out.extend_from_slice(sector);
            id = self.mini_fat[id as usize];
        }
        out.truncate(limit);
        Ok(out)
    }

    /// Whether an entry of that name (ASCII case-insensitive) exists.
    pub(super) fn has(&self, name: &str) -> bool {
        self.entries
            .iter()
            .any(|e| e.name.eq_ignore_ascii_case(name))
    }

    /// The contents of the first stream of that name.
    pub(super) fn stream(&self, name: &str) -> Result<Option<Vec<u8>>, IngestError> {
        let Some(e) = self
            .entries
            .iter()
            .find(|e| e.kind == 2 && e.name.eq_ignore_ascii_case(name))
        else {
            return Ok(None);
        };
        // calamine uses the standard cutoff whatever the header says; so
        // must this, to see the same bytes.
        if e.size < 4096 {
            self.mini_chain(e.start, e.size).map(Some)
        } else {
            self.chain(e.start, e.size).map(Some)
        }
    }
}

/// Whether the compound file is a password-protected Office package.
pub(super) fn is_encrypted_package(ole: &Ole<'_>) -> bool {
    ole.has("EncryptionInfo") || ole.has("EncryptedPackage")
}

/// Bounds on what calamine may allocate for one sheet.
pub(super) struct BiffLimits {
    /// Largest `rows × cols` a `DIMENSIONS` record may declare (calamine
    /// reserves that many cells up front).
    pub(super) max_declared: u64,
    /// Largest bounding box of the cell records (calamine allocates it, once
    /// for values and once for formulas).
    pub(super) max_cells: u64,
}

/// Walks the BIFF records of a `Workbook` stream the way calamine will,
/// before it does: a `FilePass` record means encryption; each sheet's
/// declared dimensions and the bounding box of its cell records must stay
/// within `limits`.
pub(super) fn prescan_biff(stream: &[u8], limits: &BiffLimits) -> Result<(), IngestError> {
    let mut sheet_offsets = Vec::new();
    for rec in Records::new(stream) {
        let (typ, data) = rec?;
        match typ {
            0x002F if u16_at(data, 0).unwrap_or(0) != 0 => {
                return Err(IngestError::Encrypted(
                    "the workbook has a FilePass record (password to open)".into(),
                ));
            }
            0x0085 => {
                if let Some(pos) = u32_at(data, 0) {
                    sheet_offsets.push(pos as usize);
                }
            }
            0x000A => break,
            _ => {}
        }
    }
    for pos in sheet_offsets {
        let sheet = stream
            .get(pos..)
            .ok_or_else(|| corrupt("a sheet offset points past the end of the workbook stream"))?;
        prescan_sheet(sheet, limits)?;
    }
    Ok(())
}

fn prescan_sheet(sheet: &[u8], limits: &BiffLimits) -> Result<(), IngestError> {
    let too_large = |what: String| IngestError::TooLarge(what);
    let mut bbox: Option<(u32, u32, u32, u32)> = None;
    let mut grow = |row: u32, c0: u32, c1: u32| {
        bbox = Some(match bbox {
            None => (row, row, c0, c1),
            Some((r0, r1, a, b)) => (r0.min(row), r1.max(row), a.min(c0), b.max(c1)),
        });
    };
    let mut seen_bof = false;
    let mut depth = 0usize;
    for rec in Records::new(sheet) {
        let Ok((typ, data)) = rec else {
            break; // calamine stops with an error here; nothing more gets allocated
        };
        if depth > 0 {
            match typ {
                0x0809 => depth += 1,
                0x000A => depth -= 1,
                _ => {}
            }
            continue;
        }
        let rc = || Some((u32::from(u16_at(data, 0)?), u32::from(u16_at(data, 2)?)));
        match typ {
            0x0809 if seen_bof => depth += 1,
            0x0809 => seen_bof = true,
            0x000A => break,
            0x0200 => {
                let declared = declared_cells(data);
                if declared > limits.max_declared {
                    return Err(too_large(format!(
                        "a sheet declares {declared} cells (limit {})",
                        limits.max_declared
                    )));
                }
            }
            0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 => {
                if let Some((r, c)) = rc() {
                    grow(r, c, c);
                }
            }
            0x00BD if data.len() >= 6 => {
                if let Some((r, c)) = rc() {
                    let n = ((data.len() - 6) / 6).max(1) as u32;
                    grow(r, c, c.saturating_add(n - 1));
                }
            }
            _ => {}
        }
    }
    if let Some((r0, r1, c0, c1)) = bbox {
        let area = (u64::from(r1 - r0) + 1) * (u64::from(c1 - c0) + 1);
        if area > limits.max_cells {
            return Err(too_large(format!(
                "a sheet's cells span {area} slots (limit {})",
                limits.max_cells
            )));
        }
    }
    Ok(())
}

/// The number of cells calamine reserves for a `DIMENSIONS` record,
/// computed as calamine does (its `u32` arithmetic wraps on reversed
/// bounds; here that shows as a huge count).
fn declared_cells(data: &[u8]) -> u64 {
    let (rf, rl, cf, cl) = match data.len() {
        10 => (
            u32::from(u16_at(data, 0).unwrap_or(0)),
            u32::from(u16_at(data, 2).unwrap_or(0)),
            u32::from(u16_at(data, 4).unwrap_or(0)),
            u32::from(u16_at(data, 6).unwrap_or(0)),
        ),
        14 | 16 => (
            u32_at(data, 0).unwrap_or(0),
            u32_at(data, 4).unwrap_or(0),
            u32::from(u16_at(data, 8).unwrap_or(0)),
            u32::from(u16_at(data, 10).unwrap_or(0)),
        ),
        _ => return 0, // calamine rejects the record
    };
    let cf = if cf > 0xFF || cl < cf { 0 } else { cf };
    if rl == 0 || cl == 0 {
        return 1; // calamine treats it as a single cell
    }
    if rl - 1 < rf || cl - 1 < cf {
        return u64::MAX; // reversed bounds: calamine's subtraction wraps
    }
    let rows = u64::from(rl - 1 - rf) + 1;
    let cols = u64::from(cl - 1 - cf) + 1;
    rows.saturating_mul(cols)
}

/// BIFF records: `(type, data)`, with CONTINUE records skipped as calamine
/// folds them into the previous record.
struct Records<'a> {
    rest: &'a [u8],
}

impl<'a> Records<'a> {
    fn new(stream: &'a [u8]) -> Records<'a> {
        Records { rest: stream }
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<(u16, &'a [u8]), IngestError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let (Some(typ), Some(len)) = (u16_at(self.rest, 0), u16_at(self.rest, 2)) else {
            self.rest = &[];
            return Some(Err(corrupt("truncated BIFF record")));
        };
        let end = 4 + usize::from(len);
        let Some(data) = self.rest.get(4..end) else {
            self.rest = &[];
            return Some(Err(corrupt("truncated BIFF record")));
        };
        self.rest = &self.rest[end..];
        while u16_at(self.rest, 0) == Some(0x003C) {
            let clen = 4 + usize::from(u16_at(self.rest, 2).unwrap_or(0));
            match self.rest.get(clen..) {
                Some(r) => self.rest = r,
                None => {
                    self.rest = &[];
                    return Some(Err(corrupt("truncated CONTINUE record")));
                }
            }
        }
        Some(Ok((typ, data)))
    }
}
