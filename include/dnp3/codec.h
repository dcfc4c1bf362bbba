/* dnp3c: the wire codec in one include — link frames, transport segments,
 * application fragments, the object library and their text at a decode
 * level. Sans-IO: nothing here reads a clock, a socket or a file. */
#ifndef DNP3_CODEC_H
#define DNP3_CODEC_H

#include "dnp3/types.h"
#include "dnp3/link.h"
#include "dnp3/transport.h"
#include "dnp3/app.h"
#include "dnp3/objects.h"
#include "dnp3/freeformat.h"
#include "dnp3/format.h"

#endif
