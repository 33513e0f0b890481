#include "rootfs/resolver.h"

#include <algorithm>
#include <set>

#include "base/error.h"
#include "rootfs/debian_version.h"
#include "rootfs/relation.h"

namespace nanoforge::rootfs {

std::vector<std::string> default_exclusions() { return {"perl-base", "mawk", "tar"}; }

std::vector<std::string> script_only_packages() { return {"debconf", "dpkg", "openssl"}; }

namespace {

int priority_rank(const PackageRecord& record) {
  auto priority = record.control.get_or("Priority", "optional");
  if (priority == "required") return 0;
  if (priority == "important") return 1;
  if (priority == "standard") return 2;
  if (priority == "optional") return 3;
  return 4;
}

// Depth-first, as apt's MarkInstall is: a package is marked before its dependencies are
// walked, so dependency cycles end at the already-marked package.
class Resolver {
 public:
  Resolver(const PackageUniverse& universe, const ResolveOptions& options)
      : universe_(universe),
        options_(options),
        excluded_(options.exclusions.begin(), options.exclusions.end()),
        script_only_(options.script_only.begin(), options.script_only.end()) {
    excluded_.insert(script_only_.begin(), script_only_.end());
  }

  Resolution run(const std::vector<std::string>& requested) {
    result_.requested = requested;
    result_.exclusions = options_.exclusions;
    result_.exclusions.insert(result_.exclusions.end(), options_.script_only.begin(), options_.script_only.end());
    result_.script_only = options_.script_only;
    for (const auto& name : requested) {
      const PackageRecord* record = universe_.find(name);
      if (!record) {
        const auto& providers = universe_.providers(name);
        if (providers.size() == 1) {
          record = universe_.find(providers.front().package);
        } else if (providers.size() > 1) {
          std::string names;
          for (const auto& provider : providers) names += (names.empty() ? "" : ", ") + provider.package;
          throw Error("requested package '" + name +
                      "' is a virtual package provided by " + names + ": request one of them");
        } else {
          throw Error("requested package '" + name + "' does not exist in " +
                      universe_description() + " (check the spelling, the suites and components)");
        }
      }
      select(*record, "", "requested");
    }
    for (const auto& [name, record] : selected_) result_.packages.push_back(*record);
    return std::move(result_);
  }

 private:
  std::string universe_description() const {
    if (!universe_.description.empty()) return universe_.description;
    return "the loaded package indices (" + universe_.architecture + ")";
  }

  void select(const PackageRecord& record, const std::string& parent, const std::string& relation) {
    if (selected_.count(record.name)) return;
    selected_[record.name] = &record;
    result_.reasons[record.name] = {parent, relation};
    for (const char* field : {"Pre-Depends", "Depends"}) {
      auto text = record.control.get(field);
      if (!text) continue;
      for (const auto& group : parse_relations(*text, field + std::string(" of ") + record.name))
        satisfy(record, field, group);
    }
  }

  // Whether an already-selected package satisfies `relation` (as itself or by Provides).
  bool satisfied_by_selection(const Relation& relation) const {
    if (auto found = selected_.find(relation.name); found != selected_.end() &&
        version_satisfies(found->second->version, relation.relation, relation.version))
      return true;
    for (const auto& provision : universe_.providers(relation.name))
      if (selected_.count(provision.package) && provides_satisfy(provision, relation)) return true;
    return false;
  }

  // An unversioned provide satisfies only an unversioned dependency (Debian policy 7.5).
  static bool provides_satisfy(const Provision& provision, const Relation& relation) {
    if (relation.relation == VersionRelation::Any) return true;
    if (provision.version.empty()) return false;
    return version_satisfies(provision.version, relation.relation, relation.version);
  }

  // The package that would satisfy `relation`: the real package when its candidate fits,
  // else the best-ranked provider. `:any`/`:native` qualifiers need no check: only one
  // architecture (plus "all") is loaded.
  const PackageRecord* candidate_for(const Relation& relation, bool skip_excluded = false) const {
    if (const PackageRecord* real = universe_.find(relation.name);
        real && version_satisfies(real->version, relation.relation, relation.version) &&
        !(skip_excluded && excluded_.count(real->name)))
      return real;
    const PackageRecord* best = nullptr;
    for (const auto& provision : universe_.providers(relation.name)) {
      if (!provides_satisfy(provision, relation)) continue;
      const PackageRecord* provider = universe_.find(provision.package);
      if (!provider || (skip_excluded && excluded_.count(provider->name))) continue;
      if (!best || priority_rank(*provider) < priority_rank(*best)) best = provider;
    }
    return best;
  }

  void satisfy(const PackageRecord& dependent, const std::string& field, AlternativeGroup group) {
    for (const auto& relation : group)
      if (satisfied_by_selection(relation)) return;
    apply_pins(group);
    std::string group_text = format_group(group);
    // A package that is not itself excluded and Depends on an excluded one needs it (perl on
    // perl-base, anything on the only awk); Pre-Depends on one is for the maintainer scripts
    // nanoforge never runs, and so is anything an excluded package depends on.
    const bool needed = field == "Depends" && !excluded_.count(dependent.name);
    const std::string relation_text = field + ": " + group_text;
    for (const auto& relation : group) {
      if (excluded_.count(relation.name)) {
        const PackageRecord* real = universe_.find(relation.name);
        if (needed && !script_only_.count(relation.name) && real &&
            version_satisfies(real->version, relation.relation, relation.version)) {
          result_.kept.emplace(real->name, dependent.name);
          select(*real, dependent.name, relation_text);
          return;
        }
        if (!needed || script_only_.count(relation.name)) {
          skip(relation.name, dependent, field);
          return;
        }
        continue;
      }
      const PackageRecord* chosen = candidate_for(relation);
      if (!chosen) continue;
      if (excluded_.count(chosen->name)) {
        // Through a virtual package: another provider that is not excluded serves; one that
        // only the excluded package provides makes it needed.
        if (!needed || script_only_.count(chosen->name)) {
          skip(chosen->name, dependent, field);
          return;
        }
        const PackageRecord* other = candidate_for(relation, /*skip_excluded=*/true);
        if (other) {
          select(*other, dependent.name, relation_text);
        } else {
          result_.kept.emplace(chosen->name, dependent.name);
          select(*chosen, dependent.name, relation_text);
        }
        return;
      }
      select(*chosen, dependent.name, relation_text);
      return;
    }
    throw Error("no package satisfies '" + group_text + "' (" + field + " of " +
                chain_text(dependent.name) + "); " + available_text(group));
  }

  void skip(const std::string& package, const PackageRecord& dependent, const std::string& field) {
    if (result_.skipped.count(package)) return;
    result_.skipped.emplace(package, dependent.name);
    std::string reason;
    if (script_only_.count(package))
      reason = "it is script-only (" + dependent.name + " " + field + " on it, as every dependent does, for its "
               "maintainer scripts, whose work nanoforge does itself); name it in packages: to install it";
    else if (excluded_.count(dependent.name))
      reason = "it is on the exclusion list, and " + dependent.name + ", which " + field +
               " on it, is excluded itself";
    else
      reason = "it is on the exclusion list, and " + dependent.name + " only Pre-Depends on it (for its maintainer "
               "scripts); no selected package that is not excluded Depends on it";
    result_.skip_reasons.emplace(package, reason);
  }

  void apply_pins(AlternativeGroup& group) const {
    for (const auto& [unwanted, preferred] : options_.alternative_pins) {
      auto has = [&](const std::string& name) {
        return std::find_if(group.begin(), group.end(),
                            [&](const Relation& r) { return r.name == name; });
      };
      auto unwanted_at = has(unwanted);
      auto preferred_at = has(preferred);
      if (unwanted_at != group.end() && preferred_at != group.end() && preferred_at > unwanted_at)
        std::rotate(unwanted_at, preferred_at, preferred_at + 1);
    }
  }

  static std::string format_group(const AlternativeGroup& group) {
    std::string text;
    for (const auto& relation : group) text += (text.empty() ? "" : " | ") + relation.str();
    return text;
  }

  // "bar <- curl (requested)"
  std::string chain_text(const std::string& name) const {
    std::string text = name;
    std::string current = name;
    std::set<std::string> seen{name};
    while (true) {
      auto found = result_.reasons.find(current);
      if (found == result_.reasons.end() || found->second.first.empty()) break;
      current = found->second.first;
      if (!seen.insert(current).second) break;
      text += " <- " + current;
    }
    return text + " (requested)";
  }

  std::string available_text(const AlternativeGroup& group) const {
    std::string text;
    for (const auto& relation : group) {
      if (const PackageRecord* real = universe_.find(relation.name))
        text += (text.empty() ? "" : "; ") + ("the archive has " + real->name + " " + real->version);
      else if (universe_.providers(relation.name).empty())
        text += (text.empty() ? "" : "; ") + ("'" + relation.name + "' is not in the archive");
      else
        text += (text.empty() ? "" : "; ") +
                ("no provider of '" + relation.name + "' has a fitting version");
    }
    return text;
  }

  const PackageUniverse& universe_;
  const ResolveOptions& options_;
  std::set<std::string> excluded_;     // both lists: what the exclusion rule weighs
  std::set<std::string> script_only_;  // never through a dependency
  std::map<std::string, const PackageRecord*> selected_;
  Resolution result_;
};

}  // namespace

Resolution resolve_packages(const PackageUniverse& universe, const std::vector<std::string>& requested,
                            const ResolveOptions& options) {
  return Resolver(universe, options).run(requested);
}

std::optional<std::string> Resolution::why_not(const std::string& package) const {
  if (reasons.count(package)) return std::nullopt;
  if (auto reason = skip_reasons.find(package); reason != skip_reasons.end()) return reason->second;
  if (std::find(script_only.begin(), script_only.end(), package) != script_only.end())
    return "it is script-only: a package depends on it only for maintainer scripts, whose work nanoforge does "
           "itself; name it in packages: to install it";
  if (std::find(exclusions.begin(), exclusions.end(), package) != exclusions.end())
    return "it is on the exclusion list, and no selected package depends on it";
  return std::nullopt;
}

std::vector<WhyStep> Resolution::why(const std::string& package) const {
  if (!reasons.count(package)) {
    if (auto reason = why_not(package)) throw Error("package '" + package + "' is not installed: " + *reason);
    throw Error("package '" + package + "' is not in the resolved set");
  }
  std::vector<WhyStep> chain;
  std::set<std::string> seen;
  std::string current = package;
  while (!current.empty() && seen.insert(current).second) {
    const auto& [parent, relation] = reasons.at(current);
    chain.push_back({current, relation});
    current = parent;
  }
  std::reverse(chain.begin(), chain.end());
  return chain;
}

std::string Resolution::explain(const std::string& package) const {
  std::string text;
  for (const auto& step : why(package)) {
    if (!text.empty()) text += " -> ";
    text += step.package + " (" + step.relation + ")";
  }
  if (auto kept_by = kept.find(package); kept_by != kept.end())
    text += "; installed although on the exclusion list: " + kept_by->second +
            " Depends on it (the exclusion rule skips only Pre-Depends and what excluded packages depend on)";
  return text;
}

}  // namespace nanoforge::rootfs
