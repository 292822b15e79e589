placeholder bytes for tf2model/saved_model.pb of fixture tensorflow-tf2module-mlflow2
