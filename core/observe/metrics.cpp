#include "core/observe/metrics.hpp"

#include <fmt/format.h>

namespace p2pd::observe {

namespace {

std::string escape_label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string render_labels(const Labels& labels) {
  if (labels.empty()) return {};
  std::string out = "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i) out += ",";
    out += labels[i].first + "=\"" + escape_label(labels[i].second) + "\"";
  }
  return out + "}";
}

}  // namespace

Counter& Registry::counter(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& family = families_[name];
  if (family.help.empty()) family.help = help;
  family.is_counter = true;
  auto key = render_labels(labels);
  auto it = family.by_labels.find(key);
  if (it != family.by_labels.end()) return counters_[it->second];
  counters_.emplace_back();
  family.by_labels.emplace(key, counters_.size() - 1);
  return counters_.back();
}

Gauge& Registry::gauge(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& family = families_[name];
  if (family.help.empty()) family.help = help;
  family.is_counter = false;
  auto key = render_labels(labels);
  auto it = family.by_labels.find(key);
  if (it != family.by_labels.end()) return gauges_[it->second];
  gauges_.emplace_back();
  family.by_labels.emplace(key, gauges_.size() - 1);
  return gauges_.back();
}

std::string Registry::render() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string out;
  for (const auto& [name, family] : families_) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, family.help, name,
                       family.is_counter ? "counter" : "gauge");
    for (const auto& [labels, index] : family.by_labels) {
      if (family.is_counter)
        out += fmt::format("{}{} {}\n", name, labels, counters_[index].value());
      else
        out += fmt::format("{}{} {}\n", name, labels, gauges_[index].value());
    }
  }
  return out;
}

}  // namespace p2pd::observe
