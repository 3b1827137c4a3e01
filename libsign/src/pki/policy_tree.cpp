// RFC 5280 §6.1 policy processing. The tree is kept as one vector of nodes per depth, each
// node pointing at its parent; deleting a node marks it and everything below it dead.
// Qualifiers are not tracked: nothing in our validation acts on them.
#include "pki/policy_tree.hpp"
#include "support/per_thread_memo.hpp"

#include <algorithm>
#include <set>

namespace sign::detail {
namespace {

struct Node {
  std::string policy;
  std::set<std::string> expected;
  int parent = -1;
  bool alive = true;
};

class PolicyTree {
 public:
  PolicyTree() { levels_.push_back({Node{std::string(kAnyPolicy), {std::string(kAnyPolicy)}, -1, true}}); }

  bool null() const { return levels_.empty() || !levels_[0][0].alive; }
  void make_null() {
    if (!levels_.empty()) levels_[0][0].alive = false;
  }
  std::vector<Node>& level(std::size_t depth) {
    while (levels_.size() <= depth) levels_.emplace_back();
    return levels_[depth];
  }
  const Node& node(std::size_t depth, int index) const { return levels_[depth][static_cast<std::size_t>(index)]; }

  void add(std::size_t depth, int parent, const std::string& policy, std::set<std::string> expected) {
    level(depth).push_back(Node{policy, std::move(expected), parent, true});
  }

  // Marks dead every node whose parent is dead, level by level.
  void propagate_deaths() {
    for (std::size_t d = 1; d < levels_.size(); ++d)
      for (auto& n : levels_[d])
        if (n.alive && !levels_[d - 1][static_cast<std::size_t>(n.parent)].alive) n.alive = false;
  }

  // Removes nodes above `depth` that have no living child, bottom up.
  void prune(std::size_t depth) {
    for (std::size_t d = std::min(depth, levels_.size()); d-- > 0;) {
      std::vector<bool> has_child(levels_[d].size(), false);
      if (d + 1 < levels_.size())
        for (const auto& c : levels_[d + 1])
          if (c.alive) has_child[static_cast<std::size_t>(c.parent)] = true;
      for (std::size_t k = 0; k < levels_[d].size(); ++k)
        if (!has_child[k]) levels_[d][k].alive = false;
    }
  }

  std::vector<std::size_t> living(std::size_t depth) const {
    std::vector<std::size_t> out;
    if (depth >= levels_.size()) return out;
    for (std::size_t k = 0; k < levels_[depth].size(); ++k)
      if (levels_[depth][k].alive) out.push_back(k);
    return out;
  }

 private:
  std::vector<std::vector<Node>> levels_;
};

bool contains(const std::vector<std::string>& v, std::string_view x) { return std::find(v.begin(), v.end(), x) != v.end(); }

std::string describe(const Certificate& c) { return "'" + c.subject().to_string() + "'"; }

// §6.1.3 (d): the certificate's policies grow the tree by one level.
void add_certificate_level(PolicyTree& tree, const Certificate& cert, std::size_t i, std::size_t n,
                           unsigned inhibit_any_policy) {
  const auto& policies = cert.policies();
  const auto parents = tree.living(i - 1);
  for (const auto& p : policies) {
    if (p == kAnyPolicy) continue;
    bool matched = false;
    for (auto k : parents)
      if (tree.node(i - 1, static_cast<int>(k)).expected.count(p)) {
        tree.add(i, static_cast<int>(k), p, {p});
        matched = true;
      }
    if (matched) continue;
    for (auto k : parents)
      if (tree.node(i - 1, static_cast<int>(k)).policy == kAnyPolicy) {
        tree.add(i, static_cast<int>(k), p, {p});
        break;
      }
  }
  const bool any_allowed = inhibit_any_policy > 0 || (i < n && cert.is_self_issued());
  if (contains(policies, kAnyPolicy) && any_allowed) {
    for (auto k : parents) {
      const auto expected = tree.node(i - 1, static_cast<int>(k)).expected;  // a copy: add() may reallocate
      for (const auto& e : expected) {
        const auto& siblings = tree.level(i);
        const bool present = std::any_of(siblings.begin(), siblings.end(), [&](const Node& s) {
          return s.alive && s.parent == static_cast<int>(k) && s.policy == e;
        });
        if (!present) tree.add(i, static_cast<int>(k), e, {e});
      }
    }
  }
  tree.prune(i);
}

// §6.1.4 (b): policyMappings rewrite the expected policies of level i (or delete its nodes
// when mapping is inhibited).
void apply_mappings(PolicyTree& tree, const Certificate& cert, std::size_t i, unsigned policy_mapping) {
  std::set<std::string> issuer_policies;
  for (const auto& m : cert.policy_mappings()) issuer_policies.insert(m.issuer_domain_policy);
  for (const auto& idp : issuer_policies) {
    std::set<std::string> mapped;
    for (const auto& m : cert.policy_mappings())
      if (m.issuer_domain_policy == idp) mapped.insert(m.subject_domain_policy);
    auto& level = tree.level(i);
    bool found = false;
    for (auto& node : level)
      if (node.alive && node.policy == idp) {
        found = true;
        if (policy_mapping > 0) node.expected = mapped;
        else node.alive = false;
      }
    if (!found && policy_mapping > 0)
      for (std::size_t k = 0; k < level.size(); ++k)
        if (level[k].alive && level[k].policy == kAnyPolicy) {
          tree.add(i, level[k].parent, idp, mapped);
          break;
        }
  }
  if (policy_mapping == 0) tree.prune(i);
}

// §6.1.5 (g): the intersection of the tree with the user-initial-policy-set.
void intersect(PolicyTree& tree, const std::vector<std::string>& user_set, std::size_t n) {
  std::set<std::string> in_set;
  for (std::size_t d = 1; d <= n; ++d)
    for (auto k : tree.living(d)) {
      auto& node = tree.level(d)[k];
      if (tree.node(d - 1, node.parent).policy != kAnyPolicy) continue;  // not in valid_policy_node_set
      if (node.policy != kAnyPolicy && !contains(user_set, node.policy)) node.alive = false;
      else in_set.insert(node.policy);
    }
  tree.propagate_deaths();
  for (auto k : tree.living(n)) {
    const Node leaf = tree.level(n)[k];
    if (leaf.policy != kAnyPolicy) continue;
    for (const auto& p : user_set)
      if (!in_set.count(p)) tree.add(n, leaf.parent, p, {p});
    tree.level(n)[k].alive = false;
  }
  tree.prune(n);
}

// §6.1.2–§6.1.5 themselves.
PolicyOutcome run_policy_processing(const std::vector<Certificate>& path, const PolicyInputs& inputs) {
  PolicyOutcome out;
  const std::size_t n = path.size() - 1;  // certificates below the anchor
  auto at = [&](std::size_t i) -> const Certificate& { return path[n - i]; };  // RFC numbering 1..n

  PolicyTree tree;
  unsigned explicit_policy = inputs.initial_explicit_policy ? 0 : static_cast<unsigned>(n + 1);
  unsigned inhibit_any = inputs.initial_any_policy_inhibit ? 0 : static_cast<unsigned>(n + 1);
  unsigned policy_mapping = inputs.initial_policy_mapping_inhibit ? 0 : static_cast<unsigned>(n + 1);

  for (std::size_t i = 1; i <= n; ++i) {
    const Certificate& cert = at(i);
    if (cert.has_policies_extension() && !tree.null()) add_certificate_level(tree, cert, i, n, inhibit_any);
    if (!cert.has_policies_extension()) tree.make_null();
    if (explicit_policy == 0 && tree.null()) {
      out.ok = false;
      out.message = "no certificate policy acceptable to the whole path remains at " + describe(cert) +
                    " (RFC 5280 §6.1.3: an explicit policy is required)";
      return out;
    }
    if (i == n) break;
    // §6.1.4: preparation for the next certificate.
    for (const auto& m : cert.policy_mappings())
      if (m.issuer_domain_policy == kAnyPolicy || m.subject_domain_policy == kAnyPolicy) {
        out.ok = false;
        out.message = describe(cert) + " maps anyPolicy, which RFC 5280 §6.1.4 (a) forbids";
        return out;
      }
    if (!cert.policy_mappings().empty() && !tree.null()) apply_mappings(tree, cert, i, policy_mapping);
    if (!cert.is_self_issued()) {
      if (explicit_policy) --explicit_policy;
      if (policy_mapping) --policy_mapping;
      if (inhibit_any) --inhibit_any;
    }
    if (auto v = cert.require_explicit_policy(); v && *v < explicit_policy) explicit_policy = *v;
    if (auto v = cert.inhibit_policy_mapping(); v && *v < policy_mapping) policy_mapping = *v;
    if (auto v = cert.inhibit_any_policy(); v && *v < inhibit_any) inhibit_any = *v;
  }

  // §6.1.5 wrap-up.
  if (explicit_policy) --explicit_policy;
  if (auto v = at(n).require_explicit_policy(); v && *v == 0) explicit_policy = 0;
  const bool user_any = inputs.user_initial_policy_set.empty() || contains(inputs.user_initial_policy_set, kAnyPolicy);
  if (!tree.null() && !user_any) intersect(tree, inputs.user_initial_policy_set, n);
  if (!tree.null())
    for (auto k : tree.living(n)) out.valid_policies.push_back(tree.level(n)[k].policy);
  if (explicit_policy == 0 && tree.null()) {
    out.ok = false;
    out.message = user_any ? "the path is valid for no certificate policy, and one is required"
                           : "the path is valid for none of the certificate policies the validation policy accepts";
  }
  return out;
}

}  // namespace

PolicyOutcome process_policies(const std::vector<Certificate>& path, const PolicyInputs& inputs) {
  // A signer's path is the same for every document it signs: the outcome depends only on the
  // certificates and the inputs, so it is worked out once per thread.
  thread_local PerThreadMemo<PolicyOutcome> outcomes;
  std::string key;
  for (const auto& c : path) key += c.fingerprint();
  key += inputs.initial_explicit_policy ? "|e" : "|-";
  key += inputs.initial_policy_mapping_inhibit ? "m" : "-";
  key += inputs.initial_any_policy_inhibit ? "a" : "-";
  for (const auto& p : inputs.user_initial_policy_set) key += "|" + p;
  return outcomes.get(key, [&] { return run_policy_processing(path, inputs); });
}

}  // namespace sign::detail
