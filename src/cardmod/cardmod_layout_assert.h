/* cardmod_layout_assert.h: the compile-time assertions shared by cardmod_layout_check.c (our
 * cardmod.h) and tests/abi/mingw_layout_check.c (mingw-w64's <cardmod.h>) against the numbers
 * of cardmod_layout.h. Include it after the header under test and cardmod_layout.h, which stays
 * includable on its own.
 */
#ifndef CH_CARDMOD_LAYOUT_ASSERT_H
#define CH_CARDMOD_LAYOUT_ASSERT_H

#include <stddef.h>

#define CH_CHECK(cond) _Static_assert(cond, #cond)
/* Token pasting ties each member to its CH_OFF_<STRUCT>_<member> constant by name. CH_OFF ends
 * with its own ';' so that it can be the X of the CH_LAYOUT_* member lists directly:
 * CH_LAYOUT_CONTAINER_INFO(CH_OFF) asserts every member of CONTAINER_INFO. */
#define CH_OFF(S, m) _Static_assert(offsetof(S, m) == CH_OFF_##S##_##m, "offset of " #S "." #m);
#define CH_SIZE(S) _Static_assert(sizeof(S) == CH_SIZE_##S, "size of " #S)
/* Every member and the size of S, for a structure with a single member list CH_LAYOUT_<S>. Ends
 * with ';' too, to serve as the X of CH_LAYOUT_CRYPT_STRUCTS. */
#define CH_STRUCT(S) CH_LAYOUT_##S(CH_OFF) CH_SIZE(S);

#endif /* CH_CARDMOD_LAYOUT_ASSERT_H */
