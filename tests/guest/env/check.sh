# Guest environment from --env. Sourced by tests/run-guest-tests.sh.

case_begin "$TEST_NAME/default"
run_guest "$(new_jobdir)" -- PWD HOME PATH
want_status 0
want_stdout 'environ[0] [PWD=/]
environ count 1
getenv PWD: [/]
getenv HOME: NULL
getenv PATH: NULL
getenv HEXO_SET_IN_GUEST: [yes]
getenv PWD: NULL
'
want_stderr_empty
case_end

case_begin "$TEST_NAME/with-env"
export HEXO_TEST_FROM_HOST="host value = 42"
unset HEXO_TEST_NOT_SET
run_guest "$(new_jobdir)" --env A=1 --env 'B=two words' --env HEXO_TEST_FROM_HOST \
	--env HEXO_TEST_NOT_SET --env EMPTY= --env A=override \
	-- A B HEXO_TEST_FROM_HOST HEXO_TEST_NOT_SET EMPTY
want_status 0
want_stdout 'environ[0] [PWD=/]
environ[1] [A=override]
environ[2] [B=two words]
environ[3] [HEXO_TEST_FROM_HOST=host value = 42]
environ[4] [EMPTY=]
environ count 5
getenv A: [override]
getenv B: [two words]
getenv HEXO_TEST_FROM_HOST: [host value = 42]
getenv HEXO_TEST_NOT_SET: NULL
getenv EMPTY: []
getenv HEXO_SET_IN_GUEST: [yes]
getenv PWD: NULL
'
want_stderr_empty
case_end
unset HEXO_TEST_FROM_HOST
