/* The start-to-exit benchmark's guest: nothing but the start and the exit. */
int main(void)
{
	return 0;
}
