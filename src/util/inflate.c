/* being written (issue 4) */
#include "inflate.h"
