/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <unistd.h>

#include "term.h"
#include "util/fs.h"

void term_raw(struct term *t)
{
	struct termios r;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &t->saved) < 0)
		return;
	r = t->saved;
	cfmakeraw(&r);
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &r) == 0)
		t->raw = true;
}

void term_restore(struct term *t)
{
	if (t->raw)
		(void)tcsetattr(STDIN_FILENO, TCSADRAIN, &t->saved);
	t->raw = false;
}

bool term_pump(int from, int to)
{
	char buf[16384];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	return write_all(to, buf, (size_t)n) == 0;
}
