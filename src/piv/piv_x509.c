/* being written (issue 4) */
#include "piv.h"
