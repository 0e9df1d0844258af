// The keyed HMAC against RFC 4231's HMAC-SHA256 test cases, and the pseudonymizer's digests
// against OpenSSL's one-shot HMAC() (what it computed before it kept a keyed context).

#include "gateway/identity/hmac_sha256.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gateway/identity/pseudonymizer.h"
#include "gtest/gtest.h"

namespace trialgate::identity {
namespace {

std::string OneShotHex(const std::string& key, const std::string& message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &length);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), length));
}

// RFC 4231 section 4 (https://www.rfc-editor.org/rfc/rfc4231#section-4), HMAC-SHA-256 rows.
TEST(HmacSha256Test, MatchesRfc4231) {
  EXPECT_EQ(HmacSha256(std::string(20, '\x0b')).Hex({"Hi There"}),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");  // 4.2
  EXPECT_EQ(HmacSha256("Jefe").Hex({"what do ya want for nothing?"}),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");  // 4.3
  EXPECT_EQ(HmacSha256(std::string(131, '\xaa'))
                .Hex({"Test Using Larger Than Block-Size Key - Hash Key First"}),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");  // 4.7
}

TEST(HmacSha256Test, PiecesHashAsTheirConcatenationAndTheKeyedContextIsReused) {
  const HmacSha256 hmac("Jefe");
  const std::string joined = hmac.Hex({"what do ya want for nothing?"});
  EXPECT_EQ(hmac.Hex({"what do ya ", "", "want for nothing?"}), joined);
  EXPECT_EQ(hmac.Hex({"what do ya want for nothing?"}), joined);  // the keyed state untouched
  EXPECT_NE(hmac.Hex({"what do ya want for nothing!"}), joined);
}

TEST(HmacSha256Test, ThreadsShareOneKeyedContext) {
  const HmacSha256 hmac(std::string(32, 'k'));
  std::vector<std::string> expected;
  for (int i = 0; i < 200; ++i) {
    expected.push_back(OneShotHex(std::string(32, 'k'), absl::StrCat(i)));
  }
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 50; ++round) {
        for (int i = 0; i < 200; ++i) {
          if (hmac.Hex({absl::StrCat(i)}) != expected[i]) ++mismatches[t];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

TEST(HmacSha256Test, PseudonymizerDigestsAreOpenSslsOneShotHmacOfTheDomainedMessage) {
  const std::string key(32, 'k');
  const std::string previous(32, 'p');
  const Pseudonymizer pseudonymizer(key, previous);
  EXPECT_EQ(pseudonymizer.Pseudonymize("site-a", "MRN|123"), OneShotHex(key, "site-a\nMRN|123"));
  EXPECT_EQ(*pseudonymizer.PseudonymizeWithPreviousKey("site-a", "MRN|123"),
            OneShotHex(previous, "site-a\nMRN|123"));
  EXPECT_EQ(pseudonymizer.PseudonymizeResourceId("http://ehr", "Observation", "o1"),
            OneShotHex(key, "resource-id\nhttp://ehr\nObservation/o1"));
  EXPECT_EQ(pseudonymizer.Digest("content", "{\"a\":1}"), OneShotHex(key, "content\n{\"a\":1}"));
  EXPECT_EQ(Pseudonymizer(key).PseudonymizeWithPreviousKey("site-a", "x"), std::nullopt);
}

}  // namespace
}  // namespace trialgate::identity
