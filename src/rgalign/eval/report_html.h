// report.html: one self-contained page (inline SVG and CSS, no script, no network) drawn from report.json:
// the stage table, GAUC and Recall@3 per stage with interval whiskers, training curves, reward histograms
// before and after distillation, teacher win rates and example latent queries before and after alignment.
#pragma once

#include <string>

#include "rgalign/common/json_util.h"

namespace rgalign {

std::string report_html(const Json& report);
// Text made safe for HTML element content and attribute values.
std::string html_escape(const std::string& s);

}  // namespace rgalign
