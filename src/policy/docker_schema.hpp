#pragma once
// The request bodies of Docker Engine API 1.41 that the policy checks, as the engine's Go
// structs decode them, and the walk that turns a parsed body into its canonical form.
//
// Go's encoding/json matches a key to a struct field case-insensitively (Unicode simple folding:
// "privileged", "PRIVILEGED" and "Privileged" with a long s all reach the same field) and
// ignores keys it does not know. A checker that reads only the exact spelling is bypassed by
// another spelling, and one that ignores unknown keys lets through fields a newer or older
// engine would honour. So every struct key is mapped to its canonical name, two spellings of
// one field are refused, unknown keys are refused, and each value must have the type Go
// expects; map-typed objects (labels, options, port maps) keep their keys as sent.
#include <boost/json/value.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace dokkerr::policy::detail {

enum class Kind : std::uint8_t {
  boolean,
  integer,
  string,
  str_slice,  // Go's strslice.StrSlice: a string or an array of strings
  list,
  map,        // object with free keys
  structure,  // object with the fields below
};

struct Type;

struct Field {
  std::string_view name;
  const Type* type;
};

struct Type {
  Kind kind;
  const Type* element;  // list, map
  std::span<const Field> fields;
};

// Go's encoding/json key match against a struct field name (ASCII): ASCII letters in any case,
// U+017F (long s) for 's' and U+212A (Kelvin sign) for 'k', everything else exactly.
bool fold_equal(std::string_view key, std::string_view field_name);

// POST /containers/create: Config, with HostConfig and NetworkingConfig.
const Type& container_create_type();
// POST /containers/{id}/update: Resources and RestartPolicy.
const Type& container_update_type();
// POST /volumes/create.
const Type& volume_create_type();
// POST /networks/create.
const Type& network_create_type();

// A copy of `value` with struct keys renamed to their canonical names. Errors name the key path:
// invalid "unknown_field", invalid "duplicate_key" (two spellings of one field), invalid
// "invalid_body" (a value of the wrong type). null is accepted for every field, as Go does.
boost::json::value canonicalize(const boost::json::value& value, const Type& type);

}  // namespace dokkerr::policy::detail
