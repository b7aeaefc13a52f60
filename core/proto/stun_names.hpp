#pragma once
// Names of STUN methods, classes and attribute types, for logs and error messages:
// "XOR-MAPPED-ADDRESS", "Binding", or the number in hex when unknown ("0x7F01"). TURN
// methods and attributes (turn_constants.hpp) are named too.
#include <cstdint>
#include <string>

#include "core/proto/stun_constants.hpp"

namespace p2pd::proto::stun {

std::string attribute_name(std::uint16_t type);
std::string method_name(Method method);
std::string class_name(MessageClass message_class);

}  // namespace p2pd::proto::stun
