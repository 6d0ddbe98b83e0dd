/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Our terminal while vzctl relays a CT's pty or console: raw, then as it was. */
#ifndef VZCTL_TERM_H
#define VZCTL_TERM_H

#include <stdbool.h>
#include <termios.h>

struct term {
	struct termios saved;
	bool raw;
};

/* Raw mode on stdin when it is a terminal; nothing otherwise. */
void term_raw(struct term *t);
/* Back to what term_raw found. */
void term_restore(struct term *t);
/* Copy what is readable on from to to; false at EOF or error. */
bool term_pump(int from, int to);

#endif
