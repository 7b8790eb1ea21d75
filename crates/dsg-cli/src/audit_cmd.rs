//! `dsg admin audit-verify-extract`: a company's offline check.

use std::path::Path;

use anyhow::{bail, Context, Result};

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

/// Checks an extract, prints what it established, fails on the first
/// problem.
pub(crate) fn verify_extract(
    file: &Path,
    public_key: Option<&str>,
    earlier: Option<&Path>,
) -> Result<()> {
    let text = read(file)?;
    let key = public_key
        .map(|k| hex::decode(k.trim()).context("--public-key must be hex"))
        .transpose()?;
    let earlier = earlier.map(read).transpose()?;
    let report = match dsg_audit::verify_extract(&text, key.as_deref(), earlier.as_deref()) {
        Ok(report) => report,
        Err(e) => bail!("extract verification FAILED: {e}"),
    };
    println!(
        "verified: {} entries of company {}, complete up to their signed head in the log of {} entries",
        report.entries, report.company, report.tree_size
    );
    if let Some(n) = report.earlier_entries {
        println!("the {n} entries of the earlier extract are unchanged");
    }
    if key.is_none() {
        println!(
            "self-consistent only (the key in the file was trusted); pass the published \
             --public-key to prove the log is the agency's"
        );
    }
    Ok(())
}
