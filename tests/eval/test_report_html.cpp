// report.html: self-contained, escaped, and rendered by headless Chromium without a console message.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "rgalign/eval/report_html.h"
#include "support/test_support.h"

namespace rgalign {
namespace {

namespace fs = std::filesystem;

Json metrics(double gauc, double r3) {
  return {{"gauc", gauc},
          {"error_rate", 1 - gauc},
          {"recall@3", r3},
          {"ndcg@3", r3 * 0.8},
          {"ci95", {{"gauc", {gauc - 0.004, gauc + 0.004}}, {"recall@3", {r3 - 0.01, r3 + 0.01}}}},
          {"oracle", {{"gauc", 0.88}, {"recall@3", 0.41}, {"ndcg@3", 0.33}}}};
}

Json sample_report() {
  Json paired = {{"gauc", {{"diff", 0.006}, {"ci95", {0.002, 0.01}}}},
                 {"recall@3", {{"diff", -0.003}, {"ci95", {-0.008, -0.001}}}},
                 {"ndcg@3", {{"diff", 0.0}, {"ci95", {-0.01, 0.01}}}}};
  Json monitor_before = {
      {"valid_reward", 0.04},
      {"drift", 0.0},
      {"rewards", {0.01, 0.02, 0.5, 0.9}},
      {"examples", {{{"request_id", "r1"}, {"latent_query", "before <script>alert(1)</script>"}}}}};
  Json monitor_after = {{"valid_reward", 0.06},
                        {"drift", 0.3},
                        {"rewards", {0.2, 0.3, 0.6, 0.95}},
                        {"examples", {{{"request_id", "r1"}, {"latent_query", "track my parcel & refund"}}}}};
  Json stages = Json::array();
  stages.push_back({{"name", "baseline"}, {"model", "two-tower"}, {"metrics", metrics(0.83, 0.31)}});
  stages.push_back({{"name", "qe-rec"},
                    {"model", "qe-rec"},
                    {"metrics", metrics(0.836, 0.33)},
                    {"paired_vs_baseline", paired},
                    {"paired_vs_previous", paired},
                    {"monitor", monitor_before}});
  stages.push_back({{"name", "rga-sft"},
                    {"model", "qe-rec"},
                    {"metrics", metrics(0.84, 0.335)},
                    {"paired_vs_baseline", paired},
                    {"paired_vs_previous", paired},
                    {"monitor", monitor_after}});
  Json curves = {
      {"qe-rec", {{{"epoch", 1}, {"valid_gauc", 0.80}}, {{"epoch", 2}, {"valid_gauc", 0.82}}}},
      {"rga-sft",
       {{{"step", 10}, {"loss", 3.0}}, {{"step", 20}, {"loss", 2.1}}, {{"step", 30}, {"loss", 1.7}}}}};
  Json teachers = {
      {"teachers",
       {{"kb-retrieval", {{"candidates", 10}, {"wins", 4}, {"win_rate", 0.4}, {"mean_reward", 0.05}}},
        {"self", {{"candidates", 10}, {"wins", 6}, {"win_rate", 0.6}, {"mean_reward", 0.04}}}}}};
  Json control = {{"valid_gauc", 0.835},
                  {"test", {{"gauc", 0.838}, {"recall@3", 0.332}}},
                  {"final_minus_control", paired}};
  return {{"title", "rgalign align"},
          {"stages", stages},
          {"curves", curves},
          {"teachers", teachers},
          {"calibration_control", control}};
}

TEST(ReportHtml, HoldsTheChartsAndEscapesText) {
  const std::string h = report_html(sample_report());
  EXPECT_NE(h.find("GAUC per stage"), std::string::npos);
  EXPECT_NE(h.find("Recall@3 per stage"), std::string::npos);
  EXPECT_NE(h.find("rga-sft: training loss"), std::string::npos);
  EXPECT_NE(h.find("Reward of the student"), std::string::npos);
  EXPECT_NE(h.find("Teacher win rates"), std::string::npos);
  EXPECT_NE(h.find("Calibration control"), std::string::npos);
  EXPECT_NE(h.find("the final stage minus it: GAUC <span class='up'>+0.0060</span>"), std::string::npos);
  EXPECT_NE(h.find("before &lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(h.find("<script"), std::string::npos);
  EXPECT_NE(h.find("track my parcel &amp; refund"), std::string::npos);
  EXPECT_EQ(h.find("http://"), std::string::npos);  // nothing fetched from a network
  EXPECT_EQ(h.find("https://"), std::string::npos);
}

// Renders a page in headless Chromium; returns the console messages it logged ("" for none).
std::string render(const std::string& html_path, const std::string& png_path) {
  const std::string err = png_path + ".stderr";
  const std::string cmd =
      "timeout 120 chromium --headless --no-sandbox --disable-gpu --enable-logging=stderr "
      "--v=0 --window-size=1280,2400 --screenshot=" +
      png_path + " file://" + html_path + " > /dev/null 2> " + err;
  const int rc = std::system(cmd.c_str());
  EXPECT_EQ(rc, 0) << cmd;
  std::ifstream in(err);
  std::string line, console;
  while (std::getline(in, line))
    if (line.find(":CONSOLE") != std::string::npos) console += line + "\n";
  return console;
}

bool have_chromium() {
  return std::system("command -v chromium > /dev/null 2>&1") == 0;
}

TEST(ReportHtml, RendersInHeadlessChromiumWithoutConsoleErrors) {
  if (!have_chromium()) GTEST_SKIP() << "chromium is not installed (scripts/install_deps.sh installs it)";
  test::TempDir dir;
  test::write_text(dir.file("report.html"), report_html(sample_report()));
  const std::string console = render(dir.file("report.html"), dir.file("report.png"));
  EXPECT_EQ(console, "");
  ASSERT_TRUE(fs::exists(dir.file("report.png")));
  EXPECT_GT(fs::file_size(dir.file("report.png")), 10000u);  // a drawn page, not a blank one
  // The check itself catches a broken page.
  test::write_text(dir.file("broken.html"), "<html><body><script>missing_function();</script></body></html>");
  EXPECT_NE(render(dir.file("broken.html"), dir.file("broken.png")).find("Uncaught ReferenceError"),
            std::string::npos);
}

}  // namespace
}  // namespace rgalign
