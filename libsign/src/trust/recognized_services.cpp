// Which trust services a verifier recognizes: the services of every list its own authorities
// sign, and, through a list of lists they sign, of every list it points to (signed by the
// certificate the pointer names, found in the trust store or fetched from its location).
#include <sign/trust.hpp>

#include <set>

namespace sign {
namespace {

bool fetchable(const std::string& url) { return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0; }

// One list is used once, however many ways lead to it.
std::string identity_of(const TrustList& l) {
  return l.territory + "\n" + l.operator_name + "\n" + std::to_string(l.sequence_number) + "\n" +
         (l.list_of_lists ? "lotl" : "list");
}

class Resolver {
 public:
  Resolver(TimePoint at, const ValidationPolicy& policy) : at_(at), policy_(policy) {}

  void use(const TrustListCheck& check, const std::string& where) {
    if (!used_.insert(identity_of(*check.list)).second) return;
    out_.lists.push_back(check.message + " (" + where + ")");
    for (const auto& s : check.list->services) out_.services.push_back({s, check.message});
  }

  struct Fetched {
    bool found = false;
    std::string rejected;  ///< why the list got was refused, when it was
  };
  // The pointed list from its location: a cached copy the pointer no longer accepts (the list of
  // lists names a new signer) is fetched afresh once; a fetched copy is not asked for twice.
  Fetched fetch_pointed(const TrustListPointer& pointer, const TrustListFetch& fetch) {
    Fetched out;
    for (const bool use_cache : {true, false}) {
      const auto body = fetch.get(pointer.location, out_.warnings, use_cache);
      if (!body) break;
      const auto check = verify_pointed_trust_list(*body, pointer, at_, policy_);
      if (!check.ok) {
        out.rejected = check.message;
        continue;
      }
      use(check, "from " + pointer.location);
      if (fetch.remember) fetch.remember(pointer.location, *body, check.list->next_update);
      out.found = true;
      break;
    }
    return out;
  }

  RecognizedServices run(const std::vector<std::pair<std::string, Bytes>>& lists, const std::vector<Certificate>& anchors,
                         const std::vector<Certificate>& intermediates, const TrustListFetch* fetch) {
    struct Pending {
      const std::pair<std::string, Bytes>* file;
      std::string why;
      bool used = false;
    };
    std::vector<Pending> pending;
    std::vector<std::pair<TrustListPointer, std::string>> pointers;  // with the list of lists naming them
    for (const auto& file : lists) {
      const auto check = verify_trust_list(file.second, anchors, intermediates, at_, policy_);
      if (!check.ok) {
        pending.push_back({&file, check.message});
        continue;
      }
      use(check, file.first);
      if (check.list->list_of_lists)
        for (const auto& p : check.list->pointers) pointers.emplace_back(p, check.list->operator_name);
    }
    for (const auto& [pointer, lotl] : pointers) {
      const std::string name = "the list of " + (pointer.territory.empty() ? pointer.location : pointer.territory) +
                               " that " + lotl + "'s list of lists points to";
      bool found = false;
      // A copy in the trust store (offline verifiers keep one beside the list of lists).
      for (auto& p : pending) {
        const auto check = verify_pointed_trust_list(p.file->second, pointer, at_, policy_);
        if (!check.ok) continue;
        use(check, p.file->first);
        p.used = found = true;
        break;
      }
      if (!found && fetch && fetchable(pointer.location)) {
        const auto fetched = fetch_pointed(pointer, *fetch);
        if (fetched.found) continue;
        if (!fetched.rejected.empty()) {
          out_.warnings.push_back(name + " (" + pointer.location + ") was rejected: " + fetched.rejected);
          continue;
        }
      }
      if (!found)
        out_.warnings.push_back(name + " is not available: not in the trust store" +
                                (fetch ? (fetchable(pointer.location) ? ", and fetching " + pointer.location + " failed"
                                                                      : ", and " + pointer.location + " is not an http(s) URL")
                                       : " (fetching is off)"));
    }
    for (const auto& p : pending)
      if (!p.used) out_.warnings.push_back("trust list " + p.file->first + " ignored: " + p.why);
    return std::move(out_);
  }

 private:
  TimePoint at_;
  const ValidationPolicy& policy_;
  RecognizedServices out_;
  std::set<std::string> used_;
};

}  // namespace

RecognizedServices recognized_services(const std::vector<std::pair<std::string, Bytes>>& lists,
                                       const std::vector<Certificate>& anchors,
                                       const std::vector<Certificate>& intermediates, TimePoint at,
                                       const ValidationPolicy& policy, const TrustListFetch* fetch) {
  return Resolver(at, policy).run(lists, anchors, intermediates, fetch);
}

}  // namespace sign
