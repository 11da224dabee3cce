#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "tlv_buf.h"

void put(buf *o, const void *p, size_t len)
{
    assert_true(len <= sizeof o->b - o->n);
    if (len)
        memcpy(o->b + o->n, p, len);
    o->n += len;
}

void tlv(buf *o, uint32_t tag, const void *v, size_t len)
{
    uint8_t h[4];
    size_t hn = 0;
    assert_true(tag <= 0xFF);
    assert_true(len <= 0xFFFF);
    h[hn++] = (uint8_t)tag;
    if (len < 0x80) {
        h[hn++] = (uint8_t)len;
    } else if (len <= 0xFF) {
        h[hn++] = 0x81, h[hn++] = (uint8_t)len;
    } else {
        h[hn++] = 0x82, h[hn++] = (uint8_t)(len >> 8), h[hn++] = (uint8_t)len;
    }
    put(o, h, hn);
    put(o, v, len);
}
