from relance_cal.cli import main

main()
