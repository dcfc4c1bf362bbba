/* FT3 frames (IEEE 1815-2012 9.2.4): names, control byte, writer, and the
 * candidate check shared by the one-shot reader and the streaming parser. */
#include <stdint.h>
#include <string.h>

#include "dnp3/link.h"
#include "link/crc_internal.h"
#include "link/link_internal.h"
#include "util/byteorder.h"

bool dnp3_link_addr_is_broadcast(uint16_t addr)
{
    return addr >= DNP3_ADDR_BROADCAST_NO_CONFIRM;
}

const char *dnp3_link_func_name(bool prm, uint8_t func)
{
    if (prm) {
        switch (func) {
        case DNP3_LINK_RESET_LINK_STATES:
            return "RESET_LINK_STATES";
        case DNP3_LINK_RESET_USER_PROCESS:
            return "RESET_USER_PROCESS";
        case DNP3_LINK_TEST_LINK_STATES:
            return "TEST_LINK_STATES";
        case DNP3_LINK_CONFIRMED_USER_DATA:
            return "CONFIRMED_USER_DATA";
        case DNP3_LINK_UNCONFIRMED_USER_DATA:
            return "UNCONFIRMED_USER_DATA";
        case DNP3_LINK_REQUEST_LINK_STATUS:
            return "REQUEST_LINK_STATUS";
        default:
            return NULL;
        }
    }
    switch (func) {
    case DNP3_LINK_ACK:
        return "ACK";
    case DNP3_LINK_NACK:
        return "NACK";
    case DNP3_LINK_LINK_STATUS:
        return "LINK_STATUS";
    case DNP3_LINK_NOT_FUNCTIONING:
        return "NOT_FUNCTIONING";
    case DNP3_LINK_NOT_SUPPORTED:
        return "NOT_SUPPORTED";
    default:
        return NULL;
    }
}

uint8_t dnp3_link_control(bool dir, bool prm, bool fcb, bool fcv_dfc, uint8_t func)
{
    return (uint8_t)((dir ? DNP3_LINK_CTL_DIR : 0) | (prm ? DNP3_LINK_CTL_PRM : 0) |
                     (fcb ? DNP3_LINK_CTL_FCB : 0) | (fcv_dfc ? DNP3_LINK_CTL_FCV : 0) |
                     (func & DNP3_LINK_CTL_FUNC));
}

size_t dnp3_link_frame_size(size_t user_len)
{
    if (user_len > DNP3_LINK_MAX_USER_DATA)
        return 0;
    size_t blocks = (user_len + DNP3_LINK_BLOCK_SIZE - 1) / DNP3_LINK_BLOCK_SIZE;
    return DNP3_LINK_HEADER_SIZE + user_len + 2 * blocks;
}

static void put_crc(uint8_t *at, uint16_t reg)
{
    dnp3i_put_le16(at, dnp3i_crc_final(reg));
}

/* One block: its data moved to w (memmove: it may overlap its source),
 * then the CRC over the bytes now at w. */
static void put_block(uint8_t *w, const uint8_t *user, size_t user_len, size_t k)
{
    const size_t at = k * DNP3_LINK_BLOCK_SIZE;
    const size_t n = user_len - at < DNP3_LINK_BLOCK_SIZE ? user_len - at : DNP3_LINK_BLOCK_SIZE;
    memmove(w, user + at, n);
    put_crc(w + n, dnp3i_crc_update(0, w, n));
}

/* How the blocks may be laid out when user lies inside out. Block k moves
 * from user + 16k to out + 10 + 18k. Backwards (header last) no block
 * overwrites the data of an earlier one while user <= out + 12 (the natural
 * layout: the fragment placed right after the header, at out + 10), and
 * always with a single block. Forwards (header first) nothing is overwritten
 * before it is read while user >= out + max(10, 8 + 2 * blocks) (e.g. the
 * fragment at the end of the buffer). Anywhere between, one pass cannot do
 * it. */
enum layout { FORWARD, BACKWARD, IMPOSSIBLE };

static enum layout choose_layout(const uint8_t *out, size_t size, const uint8_t *user,
                                 size_t user_len, size_t blocks)
{
    const uintptr_t o = (uintptr_t)out, u = (uintptr_t)user;
    if (user_len == 0 || u >= o + size || o >= u + user_len)
        return FORWARD; /* no overlap */
    if (blocks <= 1 || u <= o + 12)
        return BACKWARD;
    const size_t lead =
        8 + 2 * blocks > DNP3_LINK_HEADER_SIZE ? 8 + 2 * blocks : DNP3_LINK_HEADER_SIZE;
    return u >= o + lead ? FORWARD : IMPOSSIBLE;
}

int dnp3_link_frame_write(uint8_t *out, size_t cap, uint8_t control, uint16_t dst, uint16_t src,
                          const uint8_t *user, size_t user_len)
{
    if (user_len > DNP3_LINK_MAX_USER_DATA)
        return DNP3_E_LINK_USER_DATA;
    if (out == NULL || (user == NULL && user_len > 0))
        return DNP3_E_INVALID_ARG;
    const size_t size = dnp3_link_frame_size(user_len);
    if (cap < size)
        return DNP3_E_NOSPACE;
    const size_t blocks = (user_len + DNP3_LINK_BLOCK_SIZE - 1) / DNP3_LINK_BLOCK_SIZE;
    const enum layout layout = choose_layout(out, size, user, user_len, blocks);
    if (layout == IMPOSSIBLE)
        return DNP3_E_INVALID_ARG;

    uint8_t hdr[DNP3_LINK_HEADER_SIZE];
    hdr[0] = DNP3_LINK_START1;
    hdr[1] = DNP3_LINK_START2;
    hdr[2] = (uint8_t)(DNP3_LINK_MIN_LENGTH + user_len);
    hdr[3] = control;
    dnp3i_put_le16(hdr + 4, dst);
    dnp3i_put_le16(hdr + 6, src);
    put_crc(hdr + 8, dnp3i_crc_fold8(0, hdr));

    uint8_t *body = out + DNP3_LINK_HEADER_SIZE;
    if (layout == FORWARD) {
        memcpy(out, hdr, sizeof hdr);
        for (size_t k = 0; k < blocks; k++)
            put_block(body + k * (DNP3_LINK_BLOCK_SIZE + 2), user, user_len, k);
    } else {
        for (size_t k = blocks; k-- > 0;)
            put_block(body + k * (DNP3_LINK_BLOCK_SIZE + 2), user, user_len, k);
        memcpy(out, hdr, sizeof hdr);
    }
    return (int)size;
}

link_check_t dnp3i_link_frame_check(const uint8_t *b, size_t avail, uint8_t *user,
                                    dnp3_link_frame_t *frame, link_check_info_t *info)
{
    info->block = 0;
    if (avail < 3) {
        info->need = 3;
        return LINK_CHECK_NEED;
    }
    uint8_t length = b[2];
    if (length < DNP3_LINK_MIN_LENGTH) {
        info->reason = DNP3_E_LINK_LENGTH;
        info->field_at = 2;
        return LINK_CHECK_FAIL;
    }
    if (avail < DNP3_LINK_HEADER_SIZE) {
        info->need = DNP3_LINK_HEADER_SIZE;
        return LINK_CHECK_NEED;
    }
    if (dnp3i_crc_final(dnp3i_crc_fold8(0, b)) != dnp3i_get_le16(b + 8)) {
        info->reason = DNP3_E_LINK_HEADER_CRC;
        info->field_at = 8;
        return LINK_CHECK_FAIL;
    }
    size_t user_len = (size_t)length - DNP3_LINK_MIN_LENGTH;
    size_t size = dnp3_link_frame_size(user_len);
    if (avail < size) {
        info->need = size;
        return LINK_CHECK_NEED;
    }

    /* Every block is checked and copied straight from b: when the caller's
     * buffer holds the whole frame this is the only pass over its bytes. */
    const uint8_t *r = b + DNP3_LINK_HEADER_SIZE;
    uint8_t *w = user;
    unsigned block = 0;
    size_t left = user_len;
    while (left >= DNP3_LINK_BLOCK_SIZE) {
        if (dnp3i_crc_final(dnp3i_crc_fold16(0, r)) != dnp3i_get_le16(r + DNP3_LINK_BLOCK_SIZE))
            goto bad_block;
        memcpy(w, r, DNP3_LINK_BLOCK_SIZE);
        r += DNP3_LINK_BLOCK_SIZE + 2;
        w += DNP3_LINK_BLOCK_SIZE;
        left -= DNP3_LINK_BLOCK_SIZE;
        block++;
    }
    if (left > 0) {
        if (dnp3i_crc_final(dnp3i_crc_update(0, r, left)) != dnp3i_get_le16(r + left))
            goto bad_block;
        memcpy(w, r, left);
    }

    frame->hdr.length = length;
    frame->hdr.control = b[3];
    frame->hdr.dst = dnp3i_get_le16(b + 4);
    frame->hdr.src = dnp3i_get_le16(b + 6);
    frame->user = user;
    frame->user_len = user_len;
    info->size = size;
    return LINK_CHECK_FRAME;

bad_block:
    info->reason = DNP3_E_LINK_BLOCK_CRC;
    info->block = block;
    info->field_at = (size_t)(r - b);
    return LINK_CHECK_FAIL;
}

int dnp3_link_frame_read(const uint8_t *in, size_t len, dnp3_link_frame_t *frame,
                         uint8_t user_buf[DNP3_LINK_MAX_USER_DATA], dnp3_diag_t *diag)
{
    int code;
    size_t at = 0;
    if (frame == NULL || user_buf == NULL || (in == NULL && len > 0)) {
        code = DNP3_E_INVALID_ARG;
        goto fail;
    }
    if (len < 2) {
        code = (len == 1 && in[0] != DNP3_LINK_START1) ? DNP3_E_LINK_START : DNP3_E_TRUNCATED;
        at = len;
        goto fail;
    }
    if (in[0] != DNP3_LINK_START1 || in[1] != DNP3_LINK_START2) {
        code = DNP3_E_LINK_START;
        at = in[0] != DNP3_LINK_START1 ? 0 : 1;
        goto fail;
    }
    link_check_info_t info;
    switch (dnp3i_link_frame_check(in, len, user_buf, frame, &info)) {
    case LINK_CHECK_FRAME:
        if (diag != NULL) {
            diag->code = DNP3_OK;
            diag->offset = 0;
        }
        return (int)info.size;
    case LINK_CHECK_NEED:
        code = DNP3_E_TRUNCATED;
        at = len;
        break;
    default:
        code = info.reason;
        at = info.field_at;
        break;
    }
fail:
    if (diag != NULL) {
        diag->code = code;
        diag->offset = at;
    }
    return code;
}
