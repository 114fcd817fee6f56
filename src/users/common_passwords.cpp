#include "users/password.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace dokkerr::users {
namespace {

// Passwords of 12 characters or more that head the public breach corpora (shorter ones fail the
// length rule already). Kept in the program, not fetched: the server must work offline. The list
// is compared case-insensitively, and with one trailing digit or '!' group removed, since those
// are the usual ways people stretch a weak password to a length rule.
constexpr std::array kCommon = {
    "123456789012", "1234567890123", "12345678901234", "123456789012345", "1234567890qwerty",
    "qwertyuiop123", "qwertyuiopasdf", "qwertyuiopasdfgh", "qwertyuiopasdfghjkl",
    "1q2w3e4r5t6y", "1q2w3e4r5t6y7u", "1qaz2wsx3edc", "1qaz2wsx3edc4rfv", "zaq12wsxcde3",
    "zaq1zaq1zaq1", "qazwsxedcrfv", "qazwsxedcrfvtgb", "asdfghjkl123", "zxcvbnm12345",
    "password1234", "password12345", "password123456", "passwordpassword", "password1password",
    "p@ssw0rd1234", "p@ssword1234", "passw0rd1234", "mypassword123", "mypassword1234",
    "newpassword123", "changeme1234", "changemenow1", "letmein12345", "letmeinplease",
    "welcome12345", "welcome123456", "welcometoday", "iloveyou1234", "iloveyouforever",
    "iloveyousomuch", "administrator", "administrator1", "admin1234567", "adminadmin123",
    "rootpassword", "rootroot1234", "superman1234", "batman123456", "football1234",
    "baseball1234", "basketball12", "monkey123456", "dragon123456", "sunshine1234",
    "princess1234", "starwars1234", "whatever1234", "trustno1trustno1", "abcdefghijkl",
    "abcdefghijklm", "abcd12345678", "abc123456789", "abcdef123456", "aaaaaaaaaaaa",
    "111111111111", "000000000000", "123123123123", "121212121212", "123321123321",
    "987654321098", "098765432109", "qwerty123456", "qwertyqwerty", "qwerty12345678",
    "asdfasdfasdf", "correcthorsebatterystaple", "thisismypassword", "mypasswordis",
    "passwordispassword", "secretpassword", "supersecret123", "topsecret1234",
    "companyname123", "summer2024summer", "winter2024winter", "spring123456",
    "autumn123456", "dokkerr12345", "dokkerradmin", "dockerdocker", "docker123456",
    "container123", "kubernetes123",
};

std::string folded(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool listed(std::string_view candidate) {
  return std::any_of(kCommon.begin(), kCommon.end(),
                     [&](std::string_view entry) { return entry == candidate; });
}

// One character repeated, or a run of consecutive characters ("abcdefghijklmn", "987654321…").
bool trivial(std::string_view text) {
  if (text.empty()) return true;
  const bool repeated = std::all_of(text.begin(), text.end(), [&](char c) { return c == text.front(); });
  bool ascending = true;
  bool descending = true;
  for (std::size_t i = 1; i < text.size(); ++i) {
    ascending = ascending && text[i] == text[i - 1] + 1;
    descending = descending && text[i] == text[i - 1] - 1;
  }
  return repeated || ascending || descending;
}

}  // namespace

bool is_common_password(std::string_view password) {
  auto text = folded(password);
  if (listed(text) || trivial(text)) return true;
  // The same with the usual suffixes stripped: "Password1234!", "welcome12345!!".
  while (!text.empty() && (text.back() == '!' || text.back() == '.')) text.pop_back();
  if (listed(text)) return true;
  std::string spaced;
  std::copy_if(text.begin(), text.end(), std::back_inserter(spaced),
               [](char c) { return c != ' ' && c != '-' && c != '_'; });
  return listed(spaced);
}

}  // namespace dokkerr::users
