//! The files of a compartment as a list: search, sortable columns and
//! pages (the register lists' component), with the uploader and the
//! version of each file.

use dsg_app::FileView;
use dsg_core::{CompartmentId, EndInstruction, FileDirection};
use maud::{html, Markup};

use super::layout::size;
use super::listing::{list, ListQuery, Sort, SortKey};
use super::Text;
use crate::http::context::Ctx;

fn direction_text(direction: FileDirection) -> Text {
    match direction {
        FileDirection::Provided => Text::DirectionProvided,
        FileDirection::Submitted => Text::DirectionSubmitted,
    }
}

fn end_text(instruction: Option<EndInstruction>) -> Text {
    match instruction {
        Some(EndInstruction::Return) => Text::EndReturn,
        Some(EndInstruction::Destroy) => Text::EndDestroy,
        None => Text::EndNone,
    }
}

/// The table of `files` (all of the compartment's, the page cut here).
pub(super) fn files(
    ctx: &Ctx,
    compartment: CompartmentId,
    files: &[FileView],
    query: &ListQuery,
) -> Markup {
    let lang = ctx.lang;
    let path = format!("/compartments/{compartment}");
    let text = |f: &FileView| {
        format!(
            "{} {} {}",
            f.file.name.as_str(),
            f.uploader,
            lang.t(direction_text(f.file.direction))
        )
    };
    let by_name = |f: &FileView| SortKey::Text(f.file.name.as_str().to_owned());
    let by_uploader = |f: &FileView| SortKey::Text(f.uploader.clone());
    let by_version = |f: &FileView| SortKey::Number(i64::from(f.file.current_version));
    let by_size = |f: &FileView| SortKey::Number(f.file.size_bytes);
    let by_updated = |f: &FileView| SortKey::Number(f.file.updated_at);
    let listed = list(
        query,
        files,
        &text,
        &[
            Sort {
                key: "name",
                by: &by_name,
            },
            Sort {
                key: "uploader",
                by: &by_uploader,
            },
            Sort {
                key: "version",
                by: &by_version,
            },
            Sort {
                key: "size",
                by: &by_size,
            },
            Sort {
                key: "updated",
                by: &by_updated,
            },
        ],
        ("name", false),
    );
    html! {
        @if files.is_empty() {
            p id="no-files" { (lang.t(Text::NoFiles)) }
        } @else {
            (listed.search(lang, &path, "files"))
            div class="table-scroll" tabindex="0" {
                table id="files" {
                    thead { tr {
                        (listed.header(&path, "name", lang.t(Text::FileName)))
                        th { (lang.t(Text::Direction)) }
                        th { (lang.t(Text::EndInstruction)) }
                        (listed.header(&path, "version", lang.t(Text::Version)))
                        (listed.header(&path, "size", lang.t(Text::Size)))
                        (listed.header(&path, "updated", lang.t(Text::Updated)))
                        (listed.header(&path, "uploader", lang.t(Text::Uploader)))
                        th { span class="visually-hidden" { (lang.t(Text::Download)) } }
                    } }
                    tbody {
                        @for f in &listed.rows {
                            tr class="file-row" data-name=(f.file.name.as_str()) data-id=(f.file.id)
                                data-version=(f.file.current_version)
                                data-versions-url={ "/api/v1/compartments/" (compartment) "/files/" (f.file.id) "/versions" } {
                                td { a href={ "/compartments/" (compartment) "/files/" (f.file.id) } { (f.file.name.as_str()) } }
                                td class="direction" data-direction=(f.file.direction.as_str()) { (lang.t(direction_text(f.file.direction))) }
                                td class="end-instruction" { (lang.t(end_text(f.file.end_instruction))) }
                                td class="version" { (f.file.current_version) }
                                td { (size(f.file.size_bytes)) }
                                td { (ctx.zone().when(f.file.updated_at)) }
                                td class="uploader" title=(f.file.updated_by) { (f.uploader) }
                                td { a class="download-link" href={ "/api/v1/compartments/" (compartment) "/files/" (f.file.id) "/content" } { (lang.t(Text::Download)) } }
                            }
                        }
                    }
                }
            }
            (listed.pager(lang, &path, "files"))
        }
    }
}
