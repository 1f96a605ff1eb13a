// `paraflow table`'s pure parts: the "–" rule, R's bands, median and spread, the paper's CSV and
// the round trip of our CSV rows (which the resume relies on to recognise finished rows).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>

#include "paraflow/algorithms/paraflows.hpp"
#include "paraflow/algorithms/trainer.hpp"
#include "paraflow/problems/paper.hpp"
#include "table.hpp"

namespace paraflow {
namespace {

// A ParaFlowS run stopped at a fixed point (full-batch F rejected) ends with the weights, loss
// and counters of Alg. 2 as written, which repeats the rejected iteration to the budget's end,
// except for the spending; spent_as_written() gives that spending.
TEST(TableTest, AFixedPointStopKeepsAlg2sResultAndSpentAsWrittenItsSpending) {
  auto problem = make_paper_problem("classification", default_reduction("classification"), 1);
  const std::int64_t n = problem->num_samples(), nf = 10, ng = 5, budget = 10000;
  auto train = [&](bool stop_at_fixed_point, RunState& state) {
    FinePropagator fine(*problem, n, 10.0, nf, 1);  // eta_F 10: F raises the loss
    CoarsePropagator coarse(*problem, 100.0);
    ParaFlowS method(*problem, fine, coarse, {ng, false});
    state.weights = problem->network().initial_parameters(default_init_scheme("classification"), 1);
    state.budget.limit = budget;
    StopRules rules;
    rules.stop_at_fixed_point = stop_at_fixed_point;
    History history;
    return Trainer(method, *problem, rules).run(state, history);
  };
  RunState stopped, as_written;
  ASSERT_EQ(train(true, stopped), StopReason::fixed_point);
  ASSERT_EQ(train(false, as_written), StopReason::budget);
  EXPECT_EQ(stopped.weights, as_written.weights);  // bitwise
  EXPECT_EQ(stopped.loss, as_written.loss);
  EXPECT_LT(stopped.budget.spent, as_written.budget.spent);
  EXPECT_EQ(spent_as_written(n, nf, n, ng, budget, stopped.budget.spent), as_written.budget.spent);
  // Each repeat costs F and g_0: the iterations the stop saved.
  EXPECT_EQ(as_written.iteration - stopped.iteration,
            (as_written.budget.spent - stopped.budget.spent) / (n * nf + n));
  // Nothing to repeat when a whole iteration no longer fits.
  EXPECT_EQ(spent_as_written(n, nf, n, ng, budget, budget - (n * nf + n * ng) + 1),
            budget - (n * nf + n * ng) + 1);
}

TEST(TableTest, DashRuleIsTheWorstCaseOfOneIteration) {
  // d_B N_F + N N_G <= budget, inclusive: 10*900 + 10*100 = 1e4 exactly fits.
  EXPECT_TRUE(fits_one_iteration(10, 900, 10, 100, 10000));
  EXPECT_FALSE(fits_one_iteration(10, 901, 10, 100, 10000));
  // Table 1, d_B = 10, budget 1e4: N_F = 1000 is "–" with N_G = 100 (the paper has a value).
  EXPECT_FALSE(fits_one_iteration(10, 1000, 10, 100, 10000));
  EXPECT_TRUE(fits_one_iteration(10, 500, 10, 100, 10000));
  // Table 3 at 1e5: the N N_G term alone (1440 * 100) exceeds the budget.
  EXPECT_FALSE(fits_one_iteration(1440, 10, 1440, 100, 100000));
  EXPECT_TRUE(fits_one_iteration(1440, 10, 1440, 1, 100000));
}

TEST(TableTest, DashRulesPaperCountsFAloneWorstCaseAddsTheCoarseSteps) {
  // Table 1, d_B = 10, N_F = 1000, budget 1e4: F alone spends the whole budget. The paper prints
  // a number (R = 1.0000), so its rule is d_B N_F > budget; the worst case adds N N_G = 1000.
  EXPECT_FALSE(is_dash(DashRule::paper, 10, 1000, 10, 100, 10000));
  EXPECT_TRUE(is_dash(DashRule::worst_case, 10, 1000, 10, 100, 10000));
  // N_F = 2000 is "–" under both; N_F = 500 under neither.
  EXPECT_TRUE(is_dash(DashRule::paper, 10, 2000, 10, 100, 10000));
  EXPECT_TRUE(is_dash(DashRule::worst_case, 10, 2000, 10, 100, 10000));
  EXPECT_FALSE(is_dash(DashRule::paper, 10, 500, 10, 100, 10000));
  EXPECT_FALSE(is_dash(DashRule::worst_case, 10, 500, 10, 100, 10000));
  // Table 3 at 1e5 with N_G = 100: 1440 * 100 alone exceeds the budget, F does not.
  EXPECT_FALSE(is_dash(DashRule::paper, 1440, 10, 1440, 100, 100000));
  EXPECT_TRUE(is_dash(DashRule::worst_case, 1440, 10, 1440, 100, 100000));
  EXPECT_TRUE(is_dash(DashRule::paper, 1440, 100, 1440, 100, 100000));  // 144000 > 1e5

  EXPECT_EQ(to_string(DashRule::paper), "paper");
  EXPECT_EQ(to_string(DashRule::worst_case), "worst-case");
  for (DashRule rule : {DashRule::paper, DashRule::worst_case})
    EXPECT_EQ(parse_dash_rule(to_string(rule)), rule);
  EXPECT_THROW(parse_dash_rule("worst_case"), std::invalid_argument);
  EXPECT_THROW(parse_dash_rule(""), std::invalid_argument);
}

TEST(TableTest, AffordableNgCapsToWhatOneIterationPays) {
  EXPECT_EQ(affordable_ng(10, 500, 10, 100, 10000), 100);     // a whole iteration fits
  EXPECT_EQ(affordable_ng(1440, 10, 1440, 100, 100000), 59);  // (1e5 - 14400) / 1440
  EXPECT_EQ(affordable_ng(1440, 50, 1440, 100, 100000), 19);  // (1e5 - 72000) / 1440
  EXPECT_EQ(affordable_ng(10, 1000, 10, 100, 10000), 0);      // F alone: no room for one G
  EXPECT_EQ(affordable_ng(10, 999, 10, 100, 10000), 1);
  EXPECT_EQ(affordable_ng(10, 2000, 10, 100, 10000), 0);  // not even F ("–" either way)
  // Every N_G it gives fits one iteration, and one more would not.
  for (std::int64_t nf : {10, 50, 100, 500, 999})
    for (std::int64_t budget : {10000, 12345, 100000}) {
      const auto ng = affordable_ng(10, nf, 10, 100, budget);
      if (ng == 0) continue;
      EXPECT_TRUE(fits_one_iteration(10, nf, 10, ng, budget));
      if (ng < 100) {
        EXPECT_FALSE(fits_one_iteration(10, nf, 10, ng + 1, budget));
      }
    }
}

TEST(TableTest, PaperRuleGivesExactlyThePapersDashes) {
  const auto path = std::filesystem::path(__FILE__).parent_path() / "../../docs/paper_tables.csv";
  std::ifstream in(path);
  if (!in) GTEST_SKIP() << "no " << path;
  const auto rows = parse_paper_csv(in);
  int differ_worst_case = 0;
  for (int table : {1, 2, 3}) {
    const TableGrid g = table_grid(table);
    for (auto batch : g.batch_sizes)
      for (double eta : g.etas)
        for (auto budget : g.budgets) {
          const PaperRow* row = find_paper_row(rows, g, batch, eta, budget);
          ASSERT_NE(row, nullptr);
          for (auto nf : g.nfs) {
            const bool paper_dash = !paper_r(*row, nf)->has_value();
            EXPECT_EQ(is_dash(DashRule::paper, batch, nf, g.num_samples, 100, budget), paper_dash)
                << table << " " << batch << " " << eta << " " << budget << " " << nf;
            differ_worst_case +=
                is_dash(DashRule::worst_case, batch, nf, g.num_samples, 100, budget) != paper_dash;
          }
        }
  }
  // With N_G = 100 the worst case blanks 4 cells of Table 1 and 20 of Table 3 that the paper fills.
  EXPECT_EQ(differ_worst_case, 24);
}

TEST(TableTest, BandBoundariesBelongToTheMiddleBand) {
  EXPECT_EQ(band_of(0.9), Band::middle);
  EXPECT_EQ(band_of(1.1), Band::middle);
  EXPECT_EQ(band_of(1.0), Band::middle);
  EXPECT_EQ(band_of(std::nextafter(0.9, 0.0)), Band::below);
  EXPECT_EQ(band_of(std::nextafter(1.1, 2.0)), Band::above);
  EXPECT_EQ(band_of(0.0004), Band::below);
  EXPECT_EQ(band_of(11.377), Band::above);
  EXPECT_EQ(band_of(std::nullopt), Band::none);
  EXPECT_EQ(band_of(std::nan("")), Band::above);
  for (Band b : {Band::below, Band::middle, Band::above, Band::none})
    EXPECT_EQ(parse_band(to_string(b)), b);
  EXPECT_EQ(to_string(Band::middle), "0.9-1.1");
  EXPECT_THROW(parse_band("dark"), std::invalid_argument);
}

TEST(TableTest, MedianAndSpread) {
  const Spread odd = spread_of({3.0, 1.0, 2.0});
  EXPECT_EQ(odd.median, 2.0);
  EXPECT_EQ(odd.min, 1.0);
  EXPECT_EQ(odd.max, 3.0);
  const Spread even = spread_of({4.0, 1.0, 3.0, 2.0});
  EXPECT_EQ(even.median, 2.5);
  EXPECT_EQ(even.min, 1.0);
  EXPECT_EQ(even.max, 4.0);
  EXPECT_EQ(spread_of({0.25}).median, 0.25);
  EXPECT_THROW(spread_of({}), std::invalid_argument);
}

TEST(TableTest, PaperCsvReadsDashesAndExponentForms) {
  std::istringstream in(
      "table,problem,batch_size,eta_f,budget,gd_loss,R_nf10,R_nf2000\n"
      "1,classification,10,0.1,1e4,2.5e+00,0.0884,-\n"
      "3,poisson_pinn,1448,0.0001,1e8,1.0e+00,1.0e+00,0.459\n");
  const auto rows = parse_paper_csv(in);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].table, 1);
  EXPECT_EQ(rows[0].budget, 10000);
  EXPECT_EQ(rows[0].gd_loss, 2.5);
  ASSERT_EQ(rows[0].r_by_nf.size(), 2u);
  EXPECT_EQ(rows[0].r_by_nf[0].first, 10);
  EXPECT_EQ(*rows[0].r_by_nf[0].second, 0.0884);
  EXPECT_EQ(rows[0].r_by_nf[1].first, 2000);
  EXPECT_FALSE(rows[0].r_by_nf[1].second.has_value());  // "-"
  EXPECT_EQ(rows[1].gd_loss, 1.0);
  EXPECT_EQ(*paper_r(rows[1], 10), std::optional<double>(1.0));
  EXPECT_FALSE(paper_r(rows[1], 50).has_value());  // no such column
  // Our full batch of Table 3 (1440 terms) is the paper's 1448.
  const TableGrid t3 = table_grid(3);
  EXPECT_EQ(find_paper_row(rows, t3, 1440, 0.0001, 100000000), &rows[1]);
  EXPECT_EQ(find_paper_row(rows, t3, 1440, 0.001, 100000000), nullptr);
  EXPECT_EQ(find_paper_row(rows, table_grid(1), 10, 0.1, 10000), &rows[0]);

  std::istringstream short_row("table,problem,batch_size,eta_f,budget,gd_loss,R_nf10\n1,c,10\n");
  EXPECT_THROW(parse_paper_csv(short_row), std::invalid_argument);
  std::istringstream bad_number(
      "table,problem,batch_size,eta_f,budget,gd_loss,R_nf10\n1,c,10,0.1,1e4,2.5,0.08x\n");
  EXPECT_THROW(parse_paper_csv(bad_number), std::invalid_argument);
  std::istringstream bad_header("table,problem,batch,eta_f,budget,gd_loss\n");
  EXPECT_THROW(parse_paper_csv(bad_header), std::invalid_argument);
}

TEST(TableTest, ShippedPaperCsvHasEveryCellOfTheThreeTables) {
  const auto path = std::filesystem::path(__FILE__).parent_path() / "../../docs/paper_tables.csv";
  std::ifstream in(path);
  if (!in) GTEST_SKIP() << "no " << path;
  const auto rows = parse_paper_csv(in);
  EXPECT_EQ(rows.size(), 96u);
  for (int table : {1, 2, 3}) {
    const TableGrid g = table_grid(table);
    for (auto batch : g.batch_sizes)
      for (double eta : g.etas)
        for (auto budget : g.budgets) {
          const PaperRow* row = find_paper_row(rows, g, batch, eta, budget);
          ASSERT_NE(row, nullptr) << table << " " << batch << " " << eta << " " << budget;
          for (auto nf : g.nfs) EXPECT_TRUE(paper_r(*row, nf).has_value());
        }
  }
}

TEST(TableTest, GridsOfTheThreeTables) {
  EXPECT_EQ(table_grid(1).batch_sizes, (std::vector<std::int64_t>{10, 1}));
  EXPECT_EQ(table_grid(2).batch_sizes, (std::vector<std::int64_t>{30, 1}));
  EXPECT_EQ(table_grid(3).batch_sizes, (std::vector<std::int64_t>{1440, 724}));
  EXPECT_EQ(table_grid(3).budgets.back(), 100000000);
  EXPECT_EQ(table_grid(1).nfs.size(), 6u);
  EXPECT_THROW(table_grid(4), std::invalid_argument);
}

TEST(TableTest, RealsAndBudgetsRoundTripAsText) {
  EXPECT_EQ(format_real(0.1), "0.1");
  EXPECT_EQ(format_real(2.5), "2.5");
  EXPECT_EQ(format_budget(10000), "1e4");
  EXPECT_EQ(format_budget(100000000), "1e8");
  EXPECT_EQ(format_budget(12345), "12345");
  EXPECT_EQ(parse_real("1.0e+00"), 1.0);
  EXPECT_THROW(parse_real("1.0e"), std::invalid_argument);
  EXPECT_THROW(parse_real(""), std::invalid_argument);
  std::mt19937_64 random(7);
  std::uniform_real_distribution<double> exponent(-300, 300);
  for (int i = 0; i < 1000; ++i) {
    const double x = std::pow(10.0, exponent(random)) * (i % 2 ? -1 : 1);
    EXPECT_EQ(parse_real(format_real(x)), x) << format_real(x);
  }
}

TableRow sample_row() {
  TableRow r;
  r.table = 1;
  r.problem = "classification";
  r.batch_size = 10;
  r.eta_f = 0.001;
  r.budget = 1000000;
  r.nf = 50;
  r.seeds = {1, 2, 3};
  r.gd_loss_median = 2.3456789012345678;
  r.paper_gd_loss = 2.5;
  r.r_median = 0.123456789;
  r.r_min = 1.0 / 3.0;
  r.r_max = 0.9;
  r.paper_known = true;
  r.paper_r = 0.0004;
  r.seconds = 12.5;
  return r;
}

void expect_same(const TableRow& a, const TableRow& b) {
  EXPECT_EQ(key_of(a), key_of(b));
  EXPECT_EQ(a.problem, b.problem);
  EXPECT_EQ(a.gd_loss_median, b.gd_loss_median);
  EXPECT_EQ(a.paper_gd_loss, b.paper_gd_loss);
  EXPECT_EQ(a.r_median, b.r_median);
  EXPECT_EQ(a.r_min, b.r_min);
  EXPECT_EQ(a.r_max, b.r_max);
  EXPECT_EQ(a.paper_known, b.paper_known);
  EXPECT_EQ(a.paper_r, b.paper_r);
  EXPECT_EQ(a.seconds, b.seconds);
}

TEST(TableTest, CsvRowRoundTrip) {
  TableRow full = sample_row();
  TableRow dash = sample_row();  // "–" here, a number in the paper
  dash.r_median = dash.r_min = dash.r_max = std::nullopt;
  dash.seeds = {5};
  TableRow paper_dash = sample_row();  // "–" in the paper
  paper_dash.paper_r = std::nullopt;
  TableRow unknown = sample_row();  // a cell the paper does not have
  unknown.paper_known = false;
  unknown.paper_r = std::nullopt;
  unknown.paper_gd_loss = std::nullopt;
  for (const TableRow& row : {full, dash, paper_dash, unknown}) {
    const std::string line = format_table_row(row);
    const TableRow back = parse_table_row(line);
    expect_same(row, back);
    EXPECT_EQ(format_table_row(back), line);
  }
  EXPECT_EQ(format_table_row(full),
            "1,classification,10,0.001,1e6,50,1;2;3,2.345678901234568,2.5,0.123456789,"
            "0.3333333333333333,0.9,0.0004,<0.9,<0.9,yes,12.5");
  EXPECT_EQ(format_table_row(dash).rfind("1,classification,10,0.001,1e6,50,5,", 0), 0u);
  EXPECT_NE(format_table_row(dash).find(",-,-,-,0.0004,-,<0.9,no,"), std::string::npos);
  EXPECT_NE(format_table_row(unknown).find(",0.9,,<0.9,,,12.5"), std::string::npos);
  // The header has exactly the columns a row has.
  EXPECT_EQ(std::count(kTableCsvHeader, kTableCsvHeader + std::strlen(kTableCsvHeader), ','), 16);
}

TEST(TableTest, CsvRowRejectsCutAndInconsistentLines) {
  const std::string line = format_table_row(sample_row());
  EXPECT_THROW(parse_table_row(line.substr(0, line.size() - 8)), std::invalid_argument);
  EXPECT_THROW(parse_table_row(line.substr(0, 30)), std::invalid_argument);
  std::string wrong_band = line;
  wrong_band.replace(wrong_band.find("<0.9,<0.9,yes"), 13, ">1.1,<0.9,no");
  EXPECT_THROW(parse_table_row(wrong_band), std::invalid_argument);
}

TEST(TableTest, AgreementCountsOnlyCellsThePaperHas) {
  TableRow agree = sample_row();
  TableRow differ = sample_row();
  differ.r_median = 1.5;
  TableRow dash = sample_row();
  dash.r_median = std::nullopt;
  TableRow unknown = sample_row();
  unknown.paper_known = false;
  const Agreement a = count_agreement({agree, differ, dash, unknown});
  EXPECT_EQ(a.cells, 3);
  EXPECT_EQ(a.agree, 1);
  EXPECT_EQ(a.numeric, 2);
  EXPECT_EQ(a.numeric_agree, 1);
}

TEST(TableTest, MarkdownShowsOursBesideThePapers) {
  TableGrid g = table_grid(1);
  g.batch_sizes = {10};
  g.etas = {0.001};
  g.budgets = {1000000};
  g.nfs = {50, 100};
  TableRow row = sample_row();
  row.seeds = {1};
  const std::string md = table_markdown(g, {row});
  EXPECT_NE(md.find("| 0.001 | 1e6 | 2.3e+00 (2.5e+00) | 0.1235◆ (0.0004◆) |  |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("1 of 1 cells"), std::string::npos) << md;
}

}  // namespace
}  // namespace paraflow
