/* being written (issue 4) */
#include "md_context.h"
