// The HTML report.
#include "rgalign/eval/report_html.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace rgalign {

namespace {

std::string fmt(const char* f, double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, x);
  return buf;
}

double number(const Json& j, const char* key, double fallback = NAN) {
  return j.is_object() && j.contains(key) && j[key].is_number() ? j[key].get<double>() : fallback;
}

const char* kColors[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1"};

// Points with 95% whiskers, one per stage.
std::string interval_chart(const Json& stages, const char* key, const std::string& title) {
  const double W = 560, H = 240, L = 60, R = 20, T = 30, B = 50;
  double lo = 1, hi = 0;
  for (const auto& s : stages) {
    const Json& m = s["metrics"];
    double v = number(m, key);
    if (std::isnan(v)) continue;
    double a = v, b = v;
    if (m.contains("ci95") && m["ci95"].contains(key) && m["ci95"][key][0].is_number()) {
      a = m["ci95"][key][0].get<double>();
      b = m["ci95"][key][1].get<double>();
    }
    lo = std::min(lo, a);
    hi = std::max(hi, b);
  }
  if (hi < lo) return "";
  const double pad = std::max(1e-3, (hi - lo) * 0.15);
  lo -= pad;
  hi += pad;
  auto y = [&](double v) { return T + (H - T - B) * (1 - (v - lo) / (hi - lo)); };
  const double n = static_cast<double>(stages.size());
  std::string svg = "<svg width='" + fmt("%.0f", W) + "' height='" + fmt("%.0f", H) + "' role='img'><title>" +
                    html_escape(title) + "</title>";
  svg += "<text x='" + fmt("%.0f", W / 2) + "' y='18' text-anchor='middle' class='t'>" + html_escape(title) +
         "</text>";
  for (int k = 0; k <= 4; ++k) {
    const double v = lo + (hi - lo) * k / 4.0;
    svg += "<line x1='" + fmt("%.0f", L) + "' x2='" + fmt("%.0f", W - R) + "' y1='" + fmt("%.1f", y(v)) +
           "' y2='" + fmt("%.1f", y(v)) + "' class='grid'/><text x='" + fmt("%.0f", L - 6) + "' y='" +
           fmt("%.1f", y(v) + 4) + "' text-anchor='end' class='a'>" + fmt("%.3f", v) + "</text>";
  }
  size_t i = 0;
  for (const auto& s : stages) {
    const double x = L + (W - L - R) * (static_cast<double>(i) + 0.5) / n;
    const Json& m = s["metrics"];
    const double v = number(m, key);
    if (!std::isnan(v)) {
      if (m.contains("ci95") && m["ci95"].contains(key) && m["ci95"][key][0].is_number())
        svg += "<line x1='" + fmt("%.1f", x) + "' x2='" + fmt("%.1f", x) + "' y1='" +
               fmt("%.1f", y(m["ci95"][key][0].get<double>())) + "' y2='" +
               fmt("%.1f", y(m["ci95"][key][1].get<double>())) + "' stroke='#333' stroke-width='1.5'/>";
      svg += "<circle cx='" + fmt("%.1f", x) + "' cy='" + fmt("%.1f", y(v)) + "' r='5' fill='" +
             kColors[i % 7] + "'><title>" + html_escape(s["name"].get<std::string>()) + ": " +
             fmt("%.4f", v) + "</title></circle>";
    }
    svg += "<text x='" + fmt("%.1f", x) + "' y='" + fmt("%.0f", H - B + 18) +
           "' text-anchor='middle' class='a'>" + html_escape(s["name"].get<std::string>()) + "</text>";
    ++i;
  }
  return svg + "</svg>";
}

// A line chart of one metric over steps.
std::string curve_chart(const Json& lines, const char* xkey, const char* ykey, const std::string& title) {
  std::vector<std::pair<double, double>> pts;
  for (const auto& l : lines)
    if (l.is_object() && l.contains(xkey) && l.contains(ykey) && l[ykey].is_number())
      pts.emplace_back(l[xkey].get<double>(), l[ykey].get<double>());
  if (pts.size() < 2) return "";
  const double W = 360, H = 200, L = 56, R = 14, T = 28, B = 30;
  double x0 = pts.front().first, x1 = pts.front().first, y0 = pts.front().second, y1 = y0;
  for (auto [x, yv] : pts) {
    x0 = std::min(x0, x);
    x1 = std::max(x1, x);
    y0 = std::min(y0, yv);
    y1 = std::max(y1, yv);
  }
  if (y1 - y0 < 1e-12) y1 = y0 + 1e-6;
  if (x1 - x0 < 1e-12) x1 = x0 + 1;
  auto px = [&](double x) { return L + (W - L - R) * (x - x0) / (x1 - x0); };
  auto py = [&](double v) { return T + (H - T - B) * (1 - (v - y0) / (y1 - y0)); };
  std::string path;
  for (auto [x, yv] : pts)
    path += (path.empty() ? "M" : " L") + fmt("%.1f", px(x)) + "," + fmt("%.1f", py(yv));
  std::string svg = "<svg width='" + fmt("%.0f", W) + "' height='" + fmt("%.0f", H) + "' role='img'><title>" +
                    html_escape(title) + "</title>";
  svg += "<text x='" + fmt("%.0f", W / 2) + "' y='16' text-anchor='middle' class='t'>" + html_escape(title) +
         "</text>";
  svg += "<text x='" + fmt("%.0f", L - 4) + "' y='" + fmt("%.1f", py(y1) + 4) +
         "' text-anchor='end' class='a'>" + fmt("%.3g", y1) + "</text><text x='" + fmt("%.0f", L - 4) +
         "' y='" + fmt("%.1f", py(y0) + 4) + "' text-anchor='end' class='a'>" + fmt("%.3g", y0) + "</text>";
  svg += "<text x='" + fmt("%.0f", L) + "' y='" + fmt("%.0f", H - 10) + "' class='a'>" + xkey + " " +
         fmt("%.0f", x0) + "</text><text x='" + fmt("%.0f", W - R) + "' y='" + fmt("%.0f", H - 10) +
         "' text-anchor='end' class='a'>" + fmt("%.0f", x1) + "</text>";
  svg += "<path d='" + path + "' fill='none' stroke='#4e79a7' stroke-width='2'/></svg>";
  return svg;
}

// Overlaid histograms of rewards in [0, 1].
std::string reward_histogram(const std::vector<std::pair<std::string, Json>>& series) {
  const int bins = 20;
  const double W = 560, H = 240, L = 50, R = 20, T = 30, B = 40;
  std::vector<std::vector<double>> share;
  double top = 0;
  for (const auto& [name, values] : series) {
    std::vector<double> h(bins, 0);
    for (const auto& v : values)
      h[std::min(bins - 1, std::max(0, static_cast<int>(v.get<double>() * bins)))] += 1;
    for (double& x : h) {
      x /= std::max<double>(1, static_cast<double>(values.size()));
      top = std::max(top, x);
    }
    share.push_back(h);
  }
  if (share.empty() || top <= 0) return "";
  std::string svg =
      "<svg width='560' height='240' role='img'><title>Reward "
      "histograms</title><text x='280' y='18' text-anchor='middle' class='t'>Reward of the student's own "
      "latent query (validation)</text>";
  const double bw = (W - L - R) / bins;
  for (size_t s = 0; s < share.size(); ++s) {
    for (int b = 0; b < bins; ++b) {
      const double h = (H - T - B) * share[s][static_cast<size_t>(b)] / top;
      svg += "<rect x='" + fmt("%.1f", L + b * bw) + "' y='" + fmt("%.1f", H - B - h) + "' width='" +
             fmt("%.1f", bw - 1) + "' height='" + fmt("%.1f", h) + "' fill='" + kColors[s % 7] +
             "' fill-opacity='0.5'/>";
    }
    svg += "<rect x='" + fmt("%.0f", W - 170) + "' y='" + fmt("%.0f", 30.0 + 16 * static_cast<double>(s)) +
           "' width='10' height='10' fill='" + kColors[s % 7] + "'/><text x='" + fmt("%.0f", W - 155) +
           "' y='" + fmt("%.0f", 39.0 + 16 * static_cast<double>(s)) + "' class='a'>" +
           html_escape(series[s].first) + "</text>";
  }
  for (int k = 0; k <= 4; ++k)
    svg += "<text x='" + fmt("%.1f", L + (W - L - R) * k / 4.0) + "' y='" + fmt("%.0f", H - B + 16) +
           "' text-anchor='middle' class='a'>" + fmt("%.2f", k / 4.0) + "</text>";
  return svg + "</svg>";
}

std::string win_rate_chart(const Json& teachers) {
  if (!teachers.is_object() || teachers.empty()) return "";
  const double rowh = 26, W = 560, L = 190;
  const double H = 40 + rowh * static_cast<double>(teachers.size());
  std::string svg = "<svg width='560' height='" + fmt("%.0f", H) +
                    "' role='img'><title>Teacher win rates</title><text x='280' y='18' text-anchor='middle' "
                    "class='t'>Teacher win rates (share of best-of-N picks)</text>";
  size_t i = 0;
  for (const auto& [name, t] : teachers.items()) {
    const double y = 30 + rowh * static_cast<double>(i);
    const double w = (W - L - 60) * number(t, "win_rate", 0);
    svg += "<text x='" + fmt("%.0f", L - 8) + "' y='" + fmt("%.1f", y + 15) +
           "' text-anchor='end' class='a'>" + html_escape(name) + "</text><rect x='" + fmt("%.0f", L) +
           "' y='" + fmt("%.1f", y + 3) + "' width='" + fmt("%.1f", w) + "' height='16' fill='" +
           kColors[i % 7] + "'/><text x='" + fmt("%.1f", L + w + 6) + "' y='" + fmt("%.1f", y + 15) +
           "' class='a'>" + fmt("%.1f%%", 100 * number(t, "win_rate", 0)) + "</text>";
    ++i;
  }
  return svg + "</svg>";
}

std::string cell_ci(const Json& m, const char* key) {
  std::string s = std::isnan(number(m, key)) ? "-" : fmt("%.4f", number(m, key));
  if (m.contains("ci95") && m["ci95"].contains(key) && m["ci95"][key][0].is_number())
    s += " <small>[" + fmt("%.4f", m["ci95"][key][0].get<double>()) + ", " +
         fmt("%.4f", m["ci95"][key][1].get<double>()) + "]</small>";
  return s;
}

std::string cell_diff(const Json& p, const char* key) {
  if (!p.is_object() || !p.contains(key)) return "-";
  const Json& d = p[key];
  const double lo = d["ci95"][0].get<double>(), hi = d["ci95"][1].get<double>();
  const char* cls = lo > 0 ? "up" : hi < 0 ? "down" : "flat";
  return std::string("<span class='") + cls + "'>" + fmt("%+.4f", d["diff"].get<double>()) +
         "</span> <small>[" + fmt("%+.4f", lo) + ", " + fmt("%+.4f", hi) + "]</small>";
}

}  // namespace

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string report_html(const Json& report) {
  const Json& stages = report["stages"];
  std::string h =
      "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>" +
      html_escape(report.value("title", std::string("rgalign report"))) +
      "</title><link rel='icon' "
      "href='data:,'><style>body{font-family:sans-serif;margin:24px;color:#222;max-width:1200px}"
      "table{border-collapse:collapse;margin:8px 0 20px}td,th{border:1px solid #ccc;padding:4px "
      "8px;font-size:13px;"
      "text-align:left}th{background:#f3f3f3}small{color:#666}.up{color:#1a7f37;font-weight:bold}.down{color:"
      "#c62828;"
      "font-weight:bold}.flat{color:#666}.t{font-size:13px;font-weight:bold}.a{font-size:11px;fill:#444}"
      ".grid{stroke:#e5e5e5}.charts{display:flex;flex-wrap:wrap;gap:12px}</style></head><body>";
  h += "<h1>" + html_escape(report.value("title", std::string("rgalign report"))) + "</h1>";
  h += "<p>Test split; 95% bootstrap intervals in brackets; differences are paired (the same requests "
       "resampled "
       "together). Green: the interval lies above zero; red: below.</p>";
  h += "<h2>Stages</h2><table><tr><th>stage</th><th>model</th><th>GAUC</th><th>error "
       "rate</th><th>Recall@3</th>"
       "<th>NDCG@3</th><th>Δ vs baseline (GAUC)</th><th>Δ vs previous (GAUC)</th><th>Δ vs previous "
       "(Recall@3)</th></tr>";
  for (const auto& s : stages) {
    const Json& m = s["metrics"];
    const Json none;
    h += "<tr><td>" + html_escape(s["name"].get<std::string>()) + "</td><td>" +
         html_escape(s.value("model", std::string())) + "</td><td>" + cell_ci(m, "gauc") + "</td><td>" +
         fmt("%.4f", number(m, "error_rate", NAN)) + "</td><td>" + cell_ci(m, "recall@3") + "</td><td>" +
         cell_ci(m, "ndcg@3") + "</td><td>" +
         cell_diff(s.contains("paired_vs_baseline") ? s["paired_vs_baseline"] : none, "gauc") + "</td><td>" +
         cell_diff(s.contains("paired_vs_previous") ? s["paired_vs_previous"] : none, "gauc") + "</td><td>" +
         cell_diff(s.contains("paired_vs_previous") ? s["paired_vs_previous"] : none, "recall@3") +
         "</td></tr>";
  }
  if (!stages.empty() && stages[0]["metrics"].contains("oracle")) {
    const Json& o = stages[0]["metrics"]["oracle"];
    h += "<tr><td>oracle</td><td>true click probabilities</td><td>" + fmt("%.4f", number(o, "gauc")) +
         "</td><td>-</td><td>" + fmt("%.4f", number(o, "recall@3")) + "</td><td>" +
         fmt("%.4f", number(o, "ndcg@3")) + "</td><td></td><td></td><td></td></tr>";
  }
  h += "</table>";
  if (report.contains("calibration_control") && report["calibration_control"].is_object()) {
    const Json& c = report["calibration_control"];
    const Json none;
    const Json& d = c.contains("final_minus_control") ? c["final_minus_control"] : none;
    h += "<p>Calibration control (the reward model fine-tuned as a calibration round is, on the base "
         "reasoner's own latent queries: no alignment): GAUC " +
         fmt("%.4f", number(c.value("test", Json()), "gauc")) + "; the final stage minus it: GAUC " +
         cell_diff(d, "gauc") + ", Recall@3 " + cell_diff(d, "recall@3") + ".</p>";
  }
  h += "<div class='charts'>" + interval_chart(stages, "gauc", "GAUC per stage (95% interval)") +
       interval_chart(stages, "recall@3", "Recall@3 per stage (95% interval)") + "</div>";

  if (report.contains("curves") && report["curves"].is_object()) {
    h += "<h2>Training curves</h2><div class='charts'>";
    for (const auto& [name, lines] : report["curves"].items()) {
      h += curve_chart(lines, "epoch", "valid_gauc", name + ": validation GAUC per epoch");
      h += curve_chart(lines, "step", "loss", name + ": training loss");
    }
    h += "</div>";
  }
  std::vector<std::pair<std::string, Json>> hist;
  const Json* before = nullptr;
  const Json* after = nullptr;
  for (const auto& s : stages) {
    if (!s.contains("monitor") || !s["monitor"].contains("rewards")) continue;
    if (s["name"] == "qe-rec") before = &s;
    if (s["name"] == "rga-sft") hist.emplace_back("after distillation (rga-sft)", s["monitor"]["rewards"]);
    after = &s;
  }
  if (before) hist.insert(hist.begin(), {"before (base reasoner)", (*before)["monitor"]["rewards"]});
  if (!hist.empty()) h += "<h2>Rewards</h2>" + reward_histogram(hist);
  if (report.contains("teachers") && report["teachers"].contains("teachers"))
    h += "<h2>Teachers</h2>" + win_rate_chart(report["teachers"]["teachers"]);
  if (before && after && before != after) {
    h += "<h2>Example latent queries</h2><table><tr><th>request</th><th>before alignment</th><th>after (" +
         html_escape((*after)["name"].get<std::string>()) + ")</th></tr>";
    const Json& a = (*before)["monitor"]["examples"];
    const Json& b = (*after)["monitor"]["examples"];
    for (size_t i = 0; i < std::min(a.size(), b.size()); ++i)
      h += "<tr><td>" + html_escape(a[i]["request_id"].get<std::string>()) + "</td><td>" +
           html_escape(a[i]["latent_query"].get<std::string>()) + "</td><td>" +
           html_escape(b[i]["latent_query"].get<std::string>()) + "</td></tr>";
    h += "</table>";
  }
  return h + "</body></html>\n";
}

}  // namespace rgalign
