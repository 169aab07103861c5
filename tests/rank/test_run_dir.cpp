// Run directories: load_scorer names what is wrong with a run.
#include <gtest/gtest.h>

#include "rgalign/rank/run_dir.h"
#include "rgalign/rank/scorer.h"
#include "support/test_support.h"

namespace rgalign {
namespace {

TEST(RunDir, LoadScorerNamesTheProblem) {
  test::TempDir dir;
  test::write_tiny_dataset(dir.path());
  Dataset data = Dataset::open(dir.path());
  EXPECT_EQ(test::error_of([&] { load_scorer(dir.file("nope"), data); }),
            dir.file("nope") + ": not a run directory (no run.json) (create one with rgalign train)");
  test::write_text(dir.file("run.json"), R"({"model":"magic"})");
  EXPECT_EQ(test::error_of([&] { load_scorer(dir.path(), data); }),
            dir.file("run.json") +
                ": unknown model \"magic\" (this build knows popularity, dnn, two-tower, text-bow, qe-rec)");
  test::write_text(dir.file("run.json"), R"({"model":"two-tower"})");
  EXPECT_EQ(test::error_of([&] {
              load_scorer(dir.path(), data);
            }).rfind(dir.file("model_config.json") + ": cannot open", 0),
            0u);
}

}  // namespace
}  // namespace rgalign
