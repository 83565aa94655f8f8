// libmodbus as Debian's libmodbus-dev installs it (/usr/include/modbus).
// Only the header: every wrapper lives in Swift (Sources/Modbus).
#include <modbus/modbus.h>
